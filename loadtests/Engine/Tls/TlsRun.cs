using System.Diagnostics;
using System.Net;
using System.Net.Security;

namespace EchoServers.Load.Engine.Tls;

/// <summary>
/// What every connection task of one TLS run shares: the settings, the trust decision, the timeline (once known),
/// the gate on concurrent opens, and the connect phase's accounting. Written by many tasks at once: counts are
/// interlocked, the rest is taken under <see cref="_gate"/>.
/// </summary>
internal sealed class TlsRun : IDisposable
{
    /// <summary>Connects and handshakes in progress at once: a handshake is public-key work, more would only queue on the cores.</summary>
    public const int MaxConcurrentOpens = 64;

    /// <summary>Failures, with no connection established yet, after which the rest are not attempted (the server is down or not TLS).</summary>
    private const int GiveUpAfterFailures = 10;

    private readonly Lock _gate = new();
    private readonly IReadOnlyList<IPAddress> _sources;
    private readonly int _perSource;
    private readonly TaskCompletionSource<RunContext> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _abort = new();
    private readonly TaskCompletionSource _settled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _firstSettled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly int _count;
    private RunContext? _context;
    private int _settledCount;
    private int _established;
    private int _failed;
    private int _notAttempted;
    private volatile bool _giveUp;

    public TlsRun(LoadOptions options, TlsTrust trust, IReadOnlyList<IPAddress> sources, int count)
    {
        Options = options;
        Trust = trust;
        _count = count;
        _sources = sources;
        _perSource = sources.Count == 0 ? int.MaxValue : (count + sources.Count - 1) / sources.Count;
        Opening = new SemaphoreSlim(MaxConcurrentOpens);
        ConnectPhaseStartTs = Stopwatch.GetTimestamp();
    }

    public LoadOptions Options { get; }

    public TlsTrust Trust { get; }

    /// <summary>Bounds the opens in progress (<see cref="MaxConcurrentOpens"/>).</summary>
    public SemaphoreSlim Opening { get; }

    /// <summary>Where --connect-rate's schedule starts.</summary>
    public long ConnectPhaseStartTs { get; set; }

    /// <summary>Cancelled when the run is torn down: every read, write, connect and wait ends.</summary>
    public CancellationToken Aborted => _abort.Token;

    /// <summary>The timeline; null until the load may start (<c>--start together</c>: once every connection is open).</summary>
    public RunContext? Context => Volatile.Read(ref _context);

    /// <summary>Completes with the timeline when the load may start.</summary>
    public Task<RunContext> Ready => _ready.Task;

    /// <summary>Completes once every slot's first connection is established, failed or given up.</summary>
    public Task Settled => _settled.Task;

    /// <summary>
    /// Completes once the first slot's connection is established or failed. The others wait for it: the first
    /// handshake pays the one-time costs (JIT, the TLS library's initialisation), which would otherwise land on every
    /// handshake running beside it and on the CPU per handshake.
    /// </summary>
    public Task FirstSettled => _firstSettled.Task;

    /// <summary>Whether new initial connects should stop: the certificate is refused, or the server refuses everything.</summary>
    public bool GiveUp => _giveUp;

    public int Established => Volatile.Read(ref _established);

    public int Failed => Volatile.Read(ref _failed);

    public int NotAttempted => Volatile.Read(ref _notAttempted);

    /// <summary>Initial connects that failed, by cause (indexed by <see cref="ConnectFailure"/>).</summary>
    public long[] FailedBy { get; } = new long[Enum.GetValues<ConnectFailure>().Length];

    public string? FirstError { get; private set; }

    /// <summary>The first failure was a refused certificate: its line is the run's error.</summary>
    public bool FirstErrorIsUntrusted { get; private set; }

    /// <summary>The version and cipher of the first handshake, e.g. <c>TLS 1.3, TLS_AES_256_GCM_SHA384</c>.</summary>
    public string? Negotiated { get; private set; }

    /// <summary>Opens attempted in the connect phase so far (progress).</summary>
    public int Attempted => _established + _failed;

    public void Start(RunContext context)
    {
        Volatile.Write(ref _context, context);
        _ready.TrySetResult(context);
    }

    public void Abort()
    {
        _ready.TrySetCanceled();
        _firstSettled.TrySetResult();
        _abort.Cancel();
    }

    /// <summary>The source address connection <paramref name="index"/> binds, as the epoll engine's connector spreads them; null = any.</summary>
    public IPAddress? SourceFor(int index) => _sources.Count == 0 ? null : _sources[Math.Min(index / _perSource, _sources.Count - 1)];

    public void OnEstablished(SslStream stream)
    {
        Interlocked.Increment(ref _established);
        if (Negotiated is null)
        {
            lock (_gate)
            {
                Negotiated ??= $"{VersionText(stream)}, {stream.NegotiatedCipherSuite}";
            }
        }

        Settle();
    }

    public void OnFailed(TlsOpenFailure failure)
    {
        var failed = Interlocked.Increment(ref _failed);
        lock (_gate)
        {
            FailedBy[(int)failure.Cause]++;
            if (FirstError is null || (failure.Untrusted && !FirstErrorIsUntrusted))
            {
                FirstError = failure.Message;
                FirstErrorIsUntrusted = failure.Untrusted;
            }
        }

        if (failure.Untrusted || (failed >= GiveUpAfterFailures && Established == 0))
        {
            _giveUp = true;
        }

        Settle();
    }

    /// <summary>A connection given up without an attempt: after <see cref="GiveUp"/> (failed), or when the window closed first (immediate start).</summary>
    public void OnNotOpened(bool countAsFailed)
    {
        if (countAsFailed)
        {
            Interlocked.Increment(ref _failed);
            lock (_gate)
            {
                FailedBy[(int)ConnectFailure.Other]++;
            }
        }
        else
        {
            Interlocked.Increment(ref _notAttempted);
        }

        Settle();
    }

    private void Settle()
    {
        _firstSettled.TrySetResult();
        if (Interlocked.Increment(ref _settledCount) == _count)
        {
            _settled.TrySetResult();
        }
    }

    private static string VersionText(SslStream stream) => stream.SslProtocol switch
    {
        System.Security.Authentication.SslProtocols.Tls13 => "TLS 1.3",
        System.Security.Authentication.SslProtocols.Tls12 => "TLS 1.2",
        var other => other.ToString(),
    };

    public void Dispose()
    {
        _abort.Dispose();
        Opening.Dispose();
    }
}
