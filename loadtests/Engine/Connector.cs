using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using EchoServers.Load.Engine.Interop;
using EchoServers.Load.Measurement;
using HdrHistogram;

namespace EchoServers.Load.Engine;

/// <summary>
/// The connect phase, on a dedicated thread: opens the connections one after another (a non-blocking connect plus a
/// poll, so a full accept backlog costs at most --connect-timeout), at most --connect-rate per second, recording
/// each connect's latency. Ten failures in a row stop the phase: the server is down, and waiting for the rest would
/// only delay saying so.
/// </summary>
internal sealed class Connector
{
    private const int GiveUpAfterConsecutiveFailures = 10;

    private readonly LoadOptions _options;
    private readonly int _count;
    private readonly IReadOnlyList<IPAddress> _sources;
    private readonly int _perSource;

    public Connector(LoadOptions options, int count, IReadOnlyList<IPAddress> sources)
    {
        _options = options;
        _count = count;
        _sources = sources;
        _perSource = sources.Count == 0 ? int.MaxValue : (count + sources.Count - 1) / sources.Count;
    }

    public List<Socket> Established { get; } = [];

    /// <summary>Connections that could not be established.</summary>
    public int Failed { get; private set; }

    /// <summary>Connections attempted so far (read by the progress ticker).</summary>
    public int Attempted => Volatile.Read(ref _attempted);

    private int _attempted;

    public string? FirstError { get; private set; }

    public LongHistogram ConnectLatency { get; } = Histograms.Create();

    public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Start(CancellationToken cancellationToken)
    {
        var thread = new Thread(() =>
        {
            try
            {
                Run(cancellationToken);
                Completion.TrySetResult();
            }
            catch (Exception ex)
            {
                Completion.TrySetException(ex);
            }
        })
        { IsBackground = true, Name = "echo-load connect" };
        thread.Start();
    }

    private void Run(CancellationToken cancellationToken)
    {
        Native.MinimiseTimerSlack();
        var start = Stopwatch.GetTimestamp();
        var consecutiveFailures = 0;
        for (var i = 0; i < _count; i++)
        {
            if (cancellationToken.IsCancellationRequested || consecutiveFailures >= GiveUpAfterConsecutiveFailures)
            {
                Failed += _count - i;
                break;
            }

            if (_options.ConnectRate > 0)
            {
                var due = start + RunContext.SecondsToTicks(i / _options.ConnectRate);
                long now;
                while ((now = Stopwatch.GetTimestamp()) < due)
                {
                    Native.SleepNanoseconds(Math.Min(1_000_000, (due - now) * 1_000_000_000 / Stopwatch.Frequency));
                }
            }

            var socket = TryConnect(i, out var error);
            Volatile.Write(ref _attempted, i + 1);
            if (socket is null)
            {
                Failed++;
                consecutiveFailures++;
                FirstError ??= error;
                continue;
            }

            consecutiveFailures = 0;
            Established.Add(socket);
        }
    }

    private Socket? TryConnect(int index, out string error)
    {
        var target = _options.Target;
        var socket = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            if (_sources.Count > 0)
            {
                // IP_BIND_ADDRESS_NO_PORT: the port is chosen at connect, unique per 4-tuple, instead of at bind, unique
                // per address among bind()'s half of the range, a search that slows to a crawl past ~10,000 sockets.
                socket.SetRawSocketOption(0, 24, BitConverter.GetBytes(1));
                socket.Bind(new IPEndPoint(_sources[index / _perSource], 0));
            }

            socket.Blocking = false;
            var started = Stopwatch.GetTimestamp();
            try
            {
                socket.Connect(target);
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress)
            {
                // Expected for a non-blocking connect: completion is awaited below.
            }

            var timeoutUs = (int)Math.Min(int.MaxValue, _options.ConnectTimeout.TotalMicroseconds);
            if (!socket.Poll(timeoutUs, SelectMode.SelectWrite))
            {
                error = $"connect to {target} timed out after {_options.ConnectTimeout.TotalMilliseconds:0} ms";
                socket.Dispose();
                return null;
            }

            // .NET reports SO_ERROR already mapped to SocketError values.
            var status = (int)socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error)!;
            if (status != 0)
            {
                error = $"connect to {target} failed: {(SocketError)status}";
                socket.Dispose();
                return null;
            }

            ConnectLatency.RecordValue(Histograms.Clamp(RunContext.TicksToUs(Stopwatch.GetTimestamp() - started)));
            error = string.Empty;
            return socket;
        }
        catch (SocketException ex)
        {
            error = $"connect to {target} failed: {ex.SocketErrorCode} ({ex.Message})";
            socket.Dispose();
            return null;
        }
    }
}
