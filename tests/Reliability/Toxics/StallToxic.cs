namespace EchoServers.Tests.Reliability.Toxics;

/// <summary>
/// Toxiproxy's <c>timeout</c>, as a stall that keeps the data: the first chunk of each connection is held (and
/// with it, by backpressure, everything behind it) for <see cref="Duration"/>, or until <see cref="Release"/> or
/// removal when no duration is set. Nothing is dropped; once let go, the connection flows normally.
/// Unlike Toxiproxy's timeout it never closes the connection itself: add a <see cref="ResetPeerToxic"/> for that.
/// </summary>
public sealed class StallToxic : Toxic
{
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _holding = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <inheritdoc />
    public override string Type => "timeout";

    /// <summary>How long each connection is held; <see langword="null"/> holds until <see cref="Release"/>.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>Completes when the first chunk is held: the point at which a test knows the stall is in force.</summary>
    public Task Holding => _holding.Task;

    /// <summary>Lets every held connection go, now and for good.</summary>
    public void Release() => _released.TrySetResult();

    /// <inheritdoc />
    protected internal override void OnRemoved() => Release();

    /// <inheritdoc />
    protected internal override ToxicStage CreateStage() => new Stage(this);

    private sealed class Stage(StallToxic toxic) : ToxicStage
    {
        private bool _lifted;

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> chunk, IToxicLink next, CancellationToken cancellationToken)
        {
            if (!_lifted)
            {
                toxic._holding.TrySetResult();
                var released = toxic._released.Task;
                if (toxic.Duration is { } duration)
                {
                    await Task.WhenAny(released, Task.Delay(duration, cancellationToken));
                }
                else
                {
                    await released.WaitAsync(cancellationToken);
                }

                cancellationToken.ThrowIfCancellationRequested();
                _lifted = true;
            }

            await next.WriteAsync(chunk, cancellationToken);
        }
    }
}
