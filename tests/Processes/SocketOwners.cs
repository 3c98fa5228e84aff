using System.Globalization;

namespace EchoServers.Tests.Processes;

/// <summary>
/// Which process holds the server side of a loopback connection: /proc/net/tcp maps the connection (server port,
/// client port) to a socket inode, and /proc/&lt;pid&gt;/fd maps inodes to the process that has them open. The
/// kernel's own answer to "which worker accepted this connection", with no help from the server.
/// </summary>
internal static class SocketOwners
{
    /// <summary>For each client port connected to <paramref name="serverPort"/>, the pid among <paramref name="pids"/> holding the accepted socket.</summary>
    public static Dictionary<int, int> Find(int serverPort, IEnumerable<int> pids)
    {
        var inodeToClientPort = new Dictionary<long, int>();
        foreach (var line in File.ReadLines("/proc/net/tcp").Skip(1))
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var local = Port(f[1]);
            var remote = Port(f[2]);
            var inode = long.Parse(f[9], CultureInfo.InvariantCulture);
            if (local == serverPort && remote != 0 && inode != 0)
            {
                inodeToClientPort[inode] = remote;
            }
        }

        var owners = new Dictionary<int, int>();
        foreach (var pid in pids)
        {
            IEnumerable<string> fds;
            try
            {
                fds = Directory.GetFiles($"/proc/{pid}/fd");
            }
            catch (DirectoryNotFoundException)
            {
                continue;
            }

            foreach (var fd in fds)
            {
                var target = new FileInfo(fd).LinkTarget;
                if (target is not null && target.StartsWith("socket:[", StringComparison.Ordinal)
                    && long.TryParse(target.AsSpan(8, target.Length - 9), NumberStyles.Integer, CultureInfo.InvariantCulture, out var inode)
                    && inodeToClientPort.TryGetValue(inode, out var clientPort))
                {
                    owners[clientPort] = pid;
                }
            }
        }

        return owners;
    }

    private static int Port(string hexAddress) => int.Parse(hexAddress.AsSpan(hexAddress.IndexOf(':') + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
}
