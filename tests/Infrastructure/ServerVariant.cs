using EchoServers.Servers.Hosting;

namespace EchoServers.Tests.Infrastructure;

/// <summary>
/// One way to run a server model: the model, and for async and Kestrel the transport under it. Every suite that
/// runs against the models picks its variant the same way, with one sealed subclass per variant overriding one
/// property (<c>protected override ServerVariant Variant =&gt; ServerVariant.AsyncEpoll;</c>), and the subclass is
/// named after the variant: <c>&lt;Model&gt;&lt;Transport&gt;[Tls]&lt;Suite&gt;Tests</c>.
/// </summary>
public sealed class ServerVariant
{
    public static readonly ServerVariant Threads = new(nameof(Threads), ServerModel.Threads);

    /// <summary>The threads model's first step, <c>--spare-threads 0</c>: one accept thread starting a thread per connection.</summary>
    public static readonly ServerVariant ThreadsAcceptLoop = new(nameof(ThreadsAcceptLoop), ServerModel.Threads, spareThreads: 0);

    public static readonly ServerVariant Pool = new(nameof(Pool), ServerModel.Pool);

    public static readonly ServerVariant EventLoop = new(nameof(EventLoop), ServerModel.EventLoop);

    public static readonly ServerVariant AsyncSockets = new(nameof(AsyncSockets), ServerModel.Async, TransportKind.Sockets);

    public static readonly ServerVariant AsyncEpoll = new(nameof(AsyncEpoll), ServerModel.Async, TransportKind.Epoll);

    public static readonly ServerVariant KestrelSockets = new(nameof(KestrelSockets), ServerModel.Kestrel, TransportKind.Sockets);

    public static readonly ServerVariant KestrelEpoll = new(nameof(KestrelEpoll), ServerModel.Kestrel, TransportKind.Epoll);

    private static readonly ServerVariant[] All = [Threads, ThreadsAcceptLoop, Pool, EventLoop, AsyncSockets, AsyncEpoll, KestrelSockets, KestrelEpoll];

    private readonly int? _spareThreads;

    private ServerVariant(string name, ServerModel model, TransportKind? transport = null, int? spareThreads = null)
    {
        Name = name;
        Model = model;
        Transport = transport;
        _spareThreads = spareThreads;
    }

    /// <summary>The variant's name, the prefix of its test classes.</summary>
    public string Name { get; }

    /// <summary>The model.</summary>
    public ServerModel Model { get; }

    /// <summary>The transport, for the models that have one (async, Kestrel); null for the others.</summary>
    public TransportKind? Transport { get; }

    /// <summary><paramref name="options"/> set to run this variant (in process).</summary>
    public ServerOptions Apply(ServerOptions options) => options with
    {
        Model = Model,
        Transport = Transport ?? options.Transport,
        SpareThreads = _spareThreads ?? options.SpareThreads,
    };

    /// <summary>The echo-server arguments that pick this variant's model options (for a server in its own process), after <c>--model</c>.</summary>
    public string Arguments =>
        string.Join(' ', new[]
        {
            Transport is { } transport ? $"--transport {transport.ToString().ToLowerInvariant()}" : null,
            _spareThreads is { } spare ? $"--spare-threads {spare}" : null,
        }.Where(a => a is not null));

    /// <summary>The pipe models on both transports (async and Kestrel), by name, for a <c>[Theory]</c> over them.</summary>
    public static TheoryData<string> PipeVariants => [AsyncSockets.Name, AsyncEpoll.Name, KestrelSockets.Name, KestrelEpoll.Name];

    /// <summary>The variant called <paramref name="name"/> (theory rows carry the name: it is what the test lists show).</summary>
    public static ServerVariant Named(string name) => All.Single(v => v.Name == name);

    /// <summary>
    /// Starts this variant in process (<see cref="TestServers.Defaults"/>, the variant's options, then
    /// <paramref name="configure"/>'s); skips the test where the variant's transport does not exist (epoll off Linux).
    /// </summary>
    public Task<TestServer> StartAsync(Func<ServerOptions, ServerOptions>? configure = null)
    {
        Assert.SkipWhen(Transport == TransportKind.Epoll && !OperatingSystem.IsLinux(), "the epoll transport needs Linux");
        return TestServers.StartAsync(Model, o => configure is null ? Apply(o) : configure(Apply(o)));
    }

    public override string ToString() => Name;
}
