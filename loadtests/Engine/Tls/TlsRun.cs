using System.Net.Security;
using EchoServers.Load.Measurement;

namespace EchoServers.Load.Engine.Tls;

/// <summary>
/// What every connection task of one TLS run shares: the settings, the trust decision, the timeline (once known),
/// the bound on opens in progress, the connect waiter of churn's reconnects, and the handshake half of the connect
/// phase's accounting (its TCP half is the run core's <see cref="Connector"/>). Written by many tasks at once: counts
/// are interlocked, the rest is taken under <see cref="_gate"/>.
/// </summary>
internal sealed class TlsRun : IDisposable
{
    /// <summary>Connects and handshakes in progress at once: a handshake is public-key work, more would only queue on the cores.</summary>
    public const int MaxConcurrentOpens = 64;

    /// <summary>Failed handshakes, with no connection established yet, after which the rest are not attempted (not a TLS server).</summary>
    private const int GiveUpAfterFailures = 10;

    private readonly Lock _gate = new();
    private readonly TaskCompletionSource<RunContext> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _abort = new();
    private readonly TaskCompletionSource _settled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _firstSettled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lazy<ConnectWaiter> _waiter = new(() => new ConnectWaiter());
    private RunContext? _context;
    private int _handedOver;
    private int _settledCount;
    private volatile bool _connectorDone;
    private int _established;
    private int _failed;
    private int _notAttempted;
    private volatile bool _giveUp;

    public TlsRun(LoadOptions options, TlsTrust trust)
    {
        Options = options;
        Trust = trust;
        Opening = new SemaphoreSlim(MaxConcurrentOpens);
    }

    public LoadOptions Options { get; }

    public TlsTrust Trust { get; }

    /// <summary>Bounds the opens in progress (<see cref="MaxConcurrentOpens"/>): taken by the connect phase before each connect, by churn before each reconnect.</summary>
    public SemaphoreSlim Opening { get; }

    /// <summary>Awaits churn's TCP connects (started on first use).</summary>
    public ConnectWaiter Waiter => _waiter.Value;

    /// <summary>Cancelled when the run is torn down: every read, write, connect and wait ends.</summary>
    public CancellationToken Aborted => _abort.Token;

    /// <summary>The timeline; null until the load may start (<c>--start together</c>: once every connection is open).</summary>
    public RunContext? Context => Volatile.Read(ref _context);

    /// <summary>Completes with the timeline when the load may start.</summary>
    public Task<RunContext> Ready => _ready.Task;

    /// <summary>Completes once the connect phase is over and every connection it handed over is established or failed.</summary>
    public Task Settled => _settled.Task;

    /// <summary>
    /// Completes once the first handshake is done or failed (or the connect phase ended without one). The connect
    /// phase waits for it before the next connect: the first handshake pays the one-time costs (JIT, the TLS
    /// library's initialisation), which would otherwise land on every handshake running beside it and on the CPU per
    /// handshake.
    /// </summary>
    public Task FirstSettled => _firstSettled.Task;

    /// <summary>Whether the connect phase should stop: the certificate is refused, or no handshake ever succeeds.</summary>
    public bool GiveUp => _giveUp;

    /// <summary>Connections whose handshake is done in the connect phase.</summary>
    public int Established => Volatile.Read(ref _established);

    /// <summary>Handshakes of the connect phase that failed (or were given up).</summary>
    public int Failed => Volatile.Read(ref _failed);

    public int NotAttempted => Volatile.Read(ref _notAttempted);

    /// <summary>The connect phase's failed handshakes by cause; read by the live metrics too.</summary>
    public WorkerCounters Counters { get; } = new();

    public string? FirstError { get; private set; }

    /// <summary>The first failure was a refused certificate: its line is the run's error.</summary>
    public bool FirstErrorIsUntrusted { get; private set; }

    /// <summary>The version and cipher of the first handshake, e.g. <c>TLS 1.3, TLS_AES_256_GCM_SHA384</c>.</summary>
    public string? Negotiated { get; private set; }

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

    /// <summary>The connect phase handed a TCP connection over for its handshake.</summary>
    public void OnHandedOver() => Interlocked.Increment(ref _handedOver);

    /// <summary>The connect phase is over: once the handshakes it started settle, so is the TLS connect phase.</summary>
    public void OnConnectorDone()
    {
        _connectorDone = true;
        _firstSettled.TrySetResult();
        CheckSettled();
    }

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
            Counters.CountConnectFailure(failure.Cause);
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

    /// <summary>A handed-over connection given up before its handshake (the run was torn down).</summary>
    public void OnNotOpened(bool countAsFailed)
    {
        if (countAsFailed)
        {
            Interlocked.Increment(ref _failed);
            lock (_gate)
            {
                Counters.ConnectOther++;
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
        Interlocked.Increment(ref _settledCount);
        CheckSettled();
    }

    private void CheckSettled()
    {
        // The hand-overs all happen before the connector is done, so once it is their count is final.
        if (_connectorDone && Volatile.Read(ref _settledCount) == Volatile.Read(ref _handedOver))
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
        if (_waiter.IsValueCreated)
        {
            _waiter.Value.Dispose();
        }
    }
}
