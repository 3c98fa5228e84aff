using System.Diagnostics;
using System.Net;
using EchoServers.Linux;
using EchoServers.Load.Measurement;
using HdrHistogram;

namespace EchoServers.Load.Engine;

/// <summary>
/// The connect phase of either engine, on a dedicated thread: opens the connections one after another through
/// <see cref="TcpConnect"/> (a non-blocking connect and an epoll wait, so a full accept backlog costs at most
/// --connect-timeout), at most --connect-rate per second, recording each connect's latency and counting each failure
/// by cause in <see cref="Counters"/> (which the result and the live metrics read). Ten failures in a row stop the
/// phase: the server is down, and waiting for the rest would only delay saying so. Each established descriptor goes
/// to <see cref="OnEstablished"/>, which owns it from then on (an I/O thread, or the TLS engine's handshake).
/// </summary>
internal sealed unsafe class Connector : IDisposable
{
    private const int GiveUpAfterConsecutiveFailures = 10;

    private readonly LoadOptions _options;
    private readonly int _count;
    private readonly RawSocketAddress _target;
    private readonly RawSocketAddress[] _sources;
    private readonly int _perSource;
    private readonly SafeEpollHandle _epoll = SafeEpollHandle.Create();
    private int _attempted;
    private int _established;

    public Connector(LoadOptions options, int count, IReadOnlyList<IPAddress> sources)
    {
        _options = options;
        _count = count;
        _target = RawSocketAddress.From(options.Target);
        _sources = [.. sources.Select(a => RawSocketAddress.From(new IPEndPoint(a, 0)))];
        _perSource = PerSource(count, sources.Count);
    }

    /// <summary>
    /// Called on the connect thread for each established connection: its index, descriptor, the timestamp its connect
    /// began and the one it was established. Immediate start hands it to an I/O thread at once, so it talks while the
    /// others are still connecting.
    /// </summary>
    public Action<int, int, long, long>? OnEstablished { get; init; }

    /// <summary>Called on the connect thread once the phase is over, however it ended.</summary>
    public Action? OnFinished { get; init; }

    /// <summary>Asked before each connect: true stops the phase, the rest counted as failed (TLS: the certificate is refused).</summary>
    public Func<bool>? GiveUp { get; init; }

    /// <summary>
    /// Whether connections not attempted when the phase is cancelled count as failed (the connect-first phase) or as
    /// <see cref="NotAttempted"/> (immediate start, where the end of the measured window stops the phase: the server
    /// did not fail them).
    /// </summary>
    public bool CancelledCountAsFailed { get; init; } = true;

    /// <summary>Connections established so far.</summary>
    public int Established => Volatile.Read(ref _established);

    /// <summary>Connections that could not be established (every cause, given-up ones as <see cref="ConnectFailure.Other"/>).</summary>
    public int Failed { get; private set; }

    /// <summary>Connections never attempted because the phase was stopped (immediate start).</summary>
    public int NotAttempted { get; private set; }

    /// <summary>Connections attempted so far (read by the progress ticker).</summary>
    public int Attempted => Volatile.Read(ref _attempted);

    public string? FirstError { get; private set; }

    /// <summary>Failed connects by cause; read by the live metrics while the phase runs (<c>echoload_errors_total{kind="connect"}</c>).</summary>
    public WorkerCounters Counters { get; } = new();

    /// <summary>Failed connects by cause (indexed by <see cref="ConnectFailure"/>).</summary>
    public long[] FailedBy =>
        [Counters.ConnectRefused, Counters.ConnectReset, Counters.ConnectTimeout, Counters.ConnectOutOfPorts, Counters.ConnectOther];

    public LongHistogram ConnectLatency { get; } = Histograms.Create();

    public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>How many connections bind each source address (connection i binds source i / this).</summary>
    public static int PerSource(int count, int sources) => sources == 0 ? int.MaxValue : (count + sources - 1) / sources;

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

            if (cancellationToken.IsCancellationRequested || consecutiveFailures >= GiveUpAfterConsecutiveFailures || GiveUp?.Invoke() == true)
            {
                Failed += _count - i;
                Counters.ConnectOther += _count - i;
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

            var started = Stopwatch.GetTimestamp();
            var fd = Connect(i, started);
            Volatile.Write(ref _attempted, i + 1);
            if (fd < 0)
            {
                consecutiveFailures++;
                continue;
            }

            consecutiveFailures = 0;
            var established = Stopwatch.GetTimestamp();
            TcpConnect.RecordEstablished(ConnectLatency, started, established);
            Volatile.Write(ref _established, Established + 1);
            OnEstablished?.Invoke(i, fd, started, established);
        }
    }

    /// <summary>One connect, waited for on this thread's own epoll set; the descriptor, or -1 with the failure counted.</summary>
    private int Connect(int index, long started)
    {
        var source = _sources.Length == 0 ? null : _sources[Math.Min(index / _perSource, _sources.Length - 1)];
        var errno = TcpConnect.Begin(_target, source, out var fd);
        if (errno != 0)
        {
            return Fail(ConnectFailures.FromErrno(errno), TcpConnect.Describe(_options.Target, errno));
        }

        var control = EpollEvent.Control(_epoll, LinuxConstants.EpollCtlAdd, fd, LinuxConstants.EpollOut, 0);
        if (control != 0)
        {
            TcpConnect.Close(fd);
            throw Errno.ToSocketException(control, "epoll_ctl(ADD)");
        }

        var deadline = started + RunContext.SecondsToTicks(_options.ConnectTimeout.TotalSeconds);
        Span<byte> events = stackalloc byte[EpollEvent.Size];
        int n;
        do
        {
            var left = deadline - Stopwatch.GetTimestamp();
            n = left <= 0 ? 0 : _epoll.WaitNanoseconds(events, left * 1_000_000_000 / Stopwatch.Frequency);
        }
        while (n == -Errno.EINTR || (n == 0 && Stopwatch.GetTimestamp() < deadline));

        _ = EpollEvent.Control(_epoll, LinuxConstants.EpollCtlDel, fd, 0, 0);
        errno = n > 0 ? TcpConnect.Result(fd) : 0;
        if (n > 0 && errno == 0)
        {
            return fd;
        }

        TcpConnect.Close(fd);
        return n <= 0
            ? Fail(ConnectFailure.Timeout, TcpConnect.DescribeTimeout(_options.Target, _options.ConnectTimeout))
            : Fail(ConnectFailures.FromErrno(errno), TcpConnect.Describe(_options.Target, errno));
    }

    private int Fail(ConnectFailure cause, string error)
    {
        Failed++;
        Counters.CountConnectFailure(cause);
        FirstError ??= error;
        return -1;
    }

    public void Dispose() => _epoll.Dispose();
}
