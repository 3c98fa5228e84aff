using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using EchoServers.Linux;
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

    /// <summary>
    /// Called on the connect thread for each established socket with the timestamp its connect began (immediate
    /// start hands it to an I/O thread at once, so it talks while the others are still connecting).
    /// </summary>
    public Action<Socket, long>? OnEstablished { get; init; }

    /// <summary>Called on the connect thread once the phase is over, however it ended.</summary>
    public Action? OnFinished { get; init; }

    /// <summary>Connections that could not be established.</summary>
    public int Failed { get; private set; }

    /// <summary>
    /// Whether connections not attempted when the phase is cancelled count as failed (the connect-first phase) or as
    /// <see cref="NotAttempted"/> (immediate start, where the end of the measured window stops the phase: the server
    /// did not fail them).
    /// </summary>
    public bool CancelledCountAsFailed { get; init; } = true;

    /// <summary>Connections never attempted because the phase was stopped (immediate start).</summary>
    public int NotAttempted { get; private set; }

    /// <summary>Connections attempted so far (read by the progress ticker).</summary>
    public int Attempted => Volatile.Read(ref _attempted);

    private int _attempted;

    public string? FirstError { get; private set; }

    /// <summary>Failed connects by cause (indexed by <see cref="ConnectFailure"/>).</summary>
    public long[] FailedBy { get; } = new long[Enum.GetValues<ConnectFailure>().Length];

    public LongHistogram ConnectLatency { get; } = Histograms.Create();

    public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Start(CancellationToken cancellationToken)
    {
        var thread = new Thread(() =>
        {
            try
            {
                Run(cancellationToken);
                OnFinished?.Invoke();
                Completion.TrySetResult();
            }
            catch (Exception ex)
            {
                OnFinished?.Invoke();
                Completion.TrySetException(ex);
            }
        })
        { IsBackground = true, Name = "echo-load connect" };
        thread.Start();
    }

    private void Run(CancellationToken cancellationToken)
    {
        PreciseSleep.MinimiseTimerSlack();
        var start = Stopwatch.GetTimestamp();
        var consecutiveFailures = 0;
        for (var i = 0; i < _count; i++)
        {
            if (cancellationToken.IsCancellationRequested && !CancelledCountAsFailed)
            {
                NotAttempted = _count - i;
                break;
            }

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
                    PreciseSleep.For(Math.Min(1_000_000, (due - now) * 1_000_000_000 / Stopwatch.Frequency));
                }
            }

            var socket = TryConnect(i, out var error, out var started, out var cause);
            Volatile.Write(ref _attempted, i + 1);
            if (socket is null)
            {
                Failed++;
                FailedBy[(int)cause]++;
                consecutiveFailures++;
                FirstError ??= error;
                continue;
            }

            consecutiveFailures = 0;
            Established.Add(socket);
            OnEstablished?.Invoke(socket, started);
        }
    }

    private Socket? TryConnect(int index, out string error, out long started, out ConnectFailure cause)
    {
        started = Stopwatch.GetTimestamp();
        cause = ConnectFailure.Other;
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
            started = Stopwatch.GetTimestamp();
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
                cause = ConnectFailure.Timeout;
                socket.Dispose();
                return null;
            }

            // .NET reports SO_ERROR already mapped to SocketError values.
            var status = (int)socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error)!;
            if (status != 0)
            {
                error = $"connect to {target} failed: {(SocketError)status}";
                cause = ConnectFailures.FromSocketError((SocketError)status);
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
            cause = ConnectFailures.FromSocketError(ex.SocketErrorCode);
            socket.Dispose();
            return null;
        }
    }
}
