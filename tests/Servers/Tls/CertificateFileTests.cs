using System.Diagnostics;
using EchoServers.Servers.Connections.Tls;
using EchoServers.Tests.Infrastructure;

namespace EchoServers.Tests.Servers.Tls;

/// <summary>
/// Certificate files that are not what they seem: a FIFO given as <c>--cert</c> or <c>--key</c> is a one-line setup
/// error, found without opening it (opening a FIFO waits for a writer); a private key others can read is warned about.
/// </summary>
public sealed class CertificateFileTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("--cert")]
    [InlineData("--key")]
    public async Task A_fifo_is_a_one_line_error_without_waiting_for_a_writer(string which)
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "FIFOs are told apart with statx");
        using var files = TestCertificates.Create();
        var fifo = Path.Combine(files.Directory, "fifo");
        using (var mkfifo = Process.Start("mkfifo", fifo))
        {
            await mkfifo.WaitForExitAsync(Ct).WaitAsync(TimeSpan.FromSeconds(10), Ct);
            Assert.Equal(0, mkfifo.ExitCode);
        }

        var (certificate, key) = which == "--cert" ? (fifo, (string?)null) : (files.CertificatePem, fifo);
        var load = Task.Run(() => ServerCertificate.Load(certificate, key), Ct);
        try
        {
            await Task.WhenAny(load, Task.Delay(TimeSpan.FromSeconds(10), Ct));
            Assert.True(load.IsCompleted, "loading blocked on the FIFO");
            var error = await Assert.ThrowsAsync<TlsSetupException>(() => load);
            Assert.Equal($"cannot load {which} {fifo}: it is a FIFO, not a regular file", error.Message);
        }
        finally
        {
            if (!load.IsCompleted)
            {
                // Unblock the reader stuck in open(2): a writer that arrives and leaves gives it end of file.
                await File.WriteAllBytesAsync(fifo, [], Ct).WaitAsync(TimeSpan.FromSeconds(10), Ct);
            }
        }
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void A_key_readable_by_group_or_others_is_warned_about_and_an_owner_only_key_is_not()
    {
        using var files = TestCertificates.Create();
        var separate = new TlsOptions { CertificatePath = files.CertificatePem, KeyPath = files.KeyPem };
        var combined = new TlsOptions { CertificatePath = files.CombinedPem };

        File.SetUnixFileMode(files.KeyPem, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.Null(ServerCertificate.KeyPermissionWarning(separate));

        File.SetUnixFileMode(files.KeyPem, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        Assert.Equal($"the private key in {files.KeyPem} can be read by its group and others (mode 0644): chmod 600 {files.KeyPem}", ServerCertificate.KeyPermissionWarning(separate));

        File.SetUnixFileMode(files.CombinedPem, UnixFileMode.UserRead | UnixFileMode.GroupRead);
        Assert.Equal($"the private key in {files.CombinedPem} can be read by its group (mode 0440): chmod 600 {files.CombinedPem}", ServerCertificate.KeyPermissionWarning(combined));
    }
}
