using System.Net;
using System.Net.Sockets;
using EchoServers.Protocol.Session;
using EchoServers.Servers.Connections;
using EchoServers.Servers.Connections.Admission;
using EchoServers.Servers.Hosting;
using EchoServers.Servers.Transport.Epoll;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EchoServers.Servers.Kestrel;

/// <summary>
/// The <c>kestrel</c> model: Kestrel's socket transport (<c>UseKestrelCore</c>, no HTTP) with
/// <see cref="EchoConnectionHandler"/> on the endpoint. The transport pumps sockets into pipes like the async model
/// does by hand; its read/write buffer limits are set to the same <see cref="PipeLimits"/>. Under <c>--tls</c>,
/// Kestrel's TLS connection middleware (<c>UseHttps</c>) runs the handshake in front of the handler, on either transport.
/// </summary>
internal sealed class KestrelEchoServer : IEchoServer
{
    private readonly ServerContext _context;
    private readonly KestrelEchoState _state;
    private readonly AdmissionGate _gate;
    private WebApplication? _app;
    private ListenOptions? _listenOptions;
    private IPEndPoint? _localEndPoint;
    private int _stopped;

    public KestrelEchoServer(ServerOptions options, EchoMetrics metrics, ILoggerFactory loggerFactory)
    {
        _context = new ServerContext(options, metrics, loggerFactory, "EchoServers.Kestrel");
        _state = new KestrelEchoState(_context, new PipeSession(options.Protocol, metrics));
        _gate = new AdmissionGate(_context.Limiter.Max);
    }

    public IPEndPoint LocalEndPoint => _localEndPoint ?? throw new InvalidOperationException("not started");

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var options = _context.Options;
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new ForwardingLoggerProvider(_context.LoggerFactory));
        builder.Logging.SetMinimumLevel(LogLevel.Warning);

        // The host logs a failed start (e.g. port in use) at Error with a stack trace; the exception reaches our caller,
        // which reports it in one line, and the host has no other service whose failures it could report.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);
        builder.Services.AddSingleton(_state);
        builder.Services.AddSingleton<IHostLifetime, SilentHostLifetime>();
        builder.WebHost.UseKestrelCore();
        if (options.EffectiveTransport == TransportKind.Epoll)
        {
            // The project's epoll transport; its pipes get the same thresholds and scheduling as the sockets below.
            // Not past --max-connections (plus a few to refuse): the rest wait in the backlog, not on a descriptor.
            var transport = new EpollTransportFactory(EpollTransportOptions.For(options, _context.LoggerFactory.CreateLogger("EchoServers.Transport.Epoll")));
            builder.Services.UseGatedTransport(transport, _gate, _context);
        }
        else
        {
            builder.WebHost.UseSockets(sockets =>
            {
                sockets.NoDelay = true;

                // Inline like the async model: no thread-pool hop per read unless simulated work may block.
                sockets.UnsafePreferInlineScheduling = options.Protocol.Work.IsNone;
                sockets.MaxReadBufferSize = PipeLimits.InputPause(options.Protocol);
                sockets.MaxWriteBufferSize = PipeLimits.OutputPause;
                sockets.Backlog = options.Backlog;
                if (options.ReusePort)
                {
                    // A worker of --processes: join the port the supervisor reserved, next to the other workers.
                    sockets.CreateBoundListenSocket = endPoint => Hosting.Processes.ReusePort.Bind((IPEndPoint)endPoint, reusePort: true);
                }
            });

            // Not past --max-connections (plus a few to refuse): the rest wait in the backlog, not on a descriptor.
            builder.Services.GateSocketTransport(_gate, _context);
        }

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(options.EndPoint, listen =>
            {
                if (_context.Tls is { } tls)
                {
                    // Kestrel's own TLS connection middleware, with the options every model uses; the handler sees plaintext.
                    listen.Use(TlsHandshakeAccounting.CountFailures(tls, _state));
                    listen.UseHttps(new TlsHandshakeCallbackOptions
                    {
                        OnConnection = _ => ValueTask.FromResult(tls.CreateAuthenticationOptions()),
                        HandshakeTimeout = tls.HandshakeTimeout,
                    });
                    listen.Use(TlsHandshakeAccounting.MarkCompleted(tls));
                }

                listen.UseConnectionHandler<EchoConnectionHandler>();
                _listenOptions = listen;
            });
        });

        _app = builder.Build();
        try
        {
            await _app.StartAsync(cancellationToken);
        }
        catch (IOException ex) when (ex.InnerException is AddressInUseException)
        {
            await _app.DisposeAsync();
            _app = null;
            throw new SocketException((int)SocketError.AddressAlreadyInUse);
        }

        _localEndPoint = BoundEndPoint();
    }

    public async Task StopAsync(TimeSpan drainTimeout, CancellationToken cancellationToken)
    {
        if (_app is null || Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        // Kestrel cannot stop accepting without closing every connection, so new ones are refused while draining.
        _state.Stopping = true;
        await _state.Connections.WaitEmptyAsync(drainTimeout, cancellationToken);

        // Kestrel fires ConnectionClosedRequested on every connection (graceful close), waits for the grace, aborts the rest.
        using var grace = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        grace.CancelAfter(ServerContext.CloseGrace);
        var aborting = _state.Connections.Count;
        await _app.StopAsync(grace.Token);
        if (grace.IsCancellationRequested)
        {
            for (var i = 0; i < aborting; i++)
            {
                _context.Events.Report(ConnectionEvent.AbortedOnStop);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.Zero, CancellationToken.None);
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        _context.Dispose();
        _gate.Dispose();
    }

    private IPEndPoint BoundEndPoint()
    {
        // Kestrel writes the bound endpoint (real port when 0 was asked) back into the listen options.
        if (_listenOptions?.EndPoint is IPEndPoint { Port: > 0 } bound)
        {
            return bound;
        }

        var addresses = _app!.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<IServerAddressesFeature>();
        var address = addresses?.Addresses.FirstOrDefault() ?? throw new InvalidOperationException("Kestrel reported no address");
        var uri = new Uri(address);
        return new IPEndPoint(_context.Options.Host, uri.Port);
    }
}
