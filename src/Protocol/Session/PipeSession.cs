using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using EchoServers.Protocol.Framing;
using EchoServers.Protocol.Transforms;
using EchoServers.Protocol.Work;

namespace EchoServers.Protocol.Session;

/// <summary>
/// The echo protocol over any <see cref="IDuplexPipe"/>: the one session core of the async and Kestrel models.
/// Each read is parsed for every complete frame, each is transformed straight into the output, and the output is
/// flushed once per read. Raw framing has no frames to parse: what was read is the reply, written through as it is.
/// One read's work is a <see cref="ReadStep"/>.
/// Flushing waits when the peer does not read (the pipe's pause threshold), so a peer that only sends stops being
/// read: backpressure without unbounded buffers.
/// Stateless between connections: one instance serves a whole server.
/// </summary>
public sealed class PipeSession
{
    private readonly ProtocolOptions _options;
    private readonly FrameReader _reader;
    private readonly FrameWriter _writer;
    private readonly ISessionCounters? _counters;
    private readonly int _overhead;
    private readonly bool _writeThrough;

    /// <summary>Creates the session core for <paramref name="options"/>, reporting batches to <paramref name="counters"/>.</summary>
    public PipeSession(ProtocolOptions options, ISessionCounters? counters = null)
    {
        _options = options;
        _reader = new FrameReader(options.Framing, options.MaxFrame);
        _writer = new FrameWriter(options.Framing, options.Transform);
        _counters = counters;
        _overhead = ProtocolLimits.WriteOverhead(options.Framing);
        _writeThrough = options.Framing == FramingKind.Raw && options.Work.IsNone;
    }

    /// <summary>
    /// Echoes until the peer closes, breaks the protocol, idles out or stops reading, or until
    /// <paramref name="closeRequested"/> fires: then it stops reading, sends the replies for everything it has
    /// read, and returns. Completes both pipe ends. Transport exceptions (resets) propagate to the host.
    /// </summary>
    public async Task<SessionResult> RunAsync(IDuplexPipe transport, CancellationToken closeRequested = default)
    {
        var input = transport.Input;
        var output = transport.Output;
        // Idle and frame timeouts end the session with the same reason: the peer failed to deliver in time.
        using var idle = IdleWatchdog.For(transport, _options);
        using var closing = closeRequested.UnsafeRegister(static state => ((PipeReader)state!).CancelPendingRead(), input);

        // Only what lives across reads is kept here (this method's state machine is touched once per read, so its
        // size is cache lines per message with many connections); one read's work is ReplyAsync's.
        long messages = 0, bytesIn = 0, bytesOut = 0;
        // How much of the unconsumed input is known to hold no line end: a long line is scanned once, not per read.
        long scanned = 0;
        ProtocolError? error = null;
        SessionEndReason reason;
        try
        {
            while (true)
            {
                // Not the token: a close request cancels the pending read instead, so what was read still gets echoed.
                var result = await input.ReadAsync(CancellationToken.None);
                idle?.Touch();
                var readCanceled = result.IsCanceled;
                var readCompleted = result.IsCompleted;
                var step = await ReplyAsync(input, output, result.Buffer, scanned);
                scanned = step.Scanned;
                idle?.FramePending(step.FramePending);
                messages += step.Count;
                bytesIn += step.Read;
                bytesOut += step.Written;
                if (step.Count > 0)
                {
                    _counters?.OnEchoed(step.Count, step.Read, step.Written);
                }

                if (step.Error is { } protocolError)
                {
                    error = protocolError;
                    if (_options.Framing == FramingKind.Line)
                    {
                        output.Write(ErrorLine.For(protocolError));
                    }

                    await output.FlushAsync(CancellationToken.None);
                    reason = SessionEndReason.ProtocolError;
                    break;
                }

                if (step.Count > 0 || output.CanGetUnflushedBytes && output.UnflushedBytes > 0)
                {
                    // Replies to what was read are owed even when closing; only idleness cancels a flush.
                    var flush = step.Sent ?? await output.FlushAsync(CancellationToken.None);
                    if (flush.IsCanceled)
                    {
                        reason = SessionEndReason.IdleTimeout;
                        break;
                    }

                    if (flush.IsCompleted)
                    {
                        reason = SessionEndReason.OutputClosed;
                        break;
                    }
                }

                if (readCanceled)
                {
                    if (closeRequested.IsCancellationRequested)
                    {
                        reason = SessionEndReason.Closing;
                        break;
                    }

                    if (idle?.Expired == true)
                    {
                        reason = SessionEndReason.IdleTimeout;
                        break;
                    }
                }

                if (readCompleted)
                {
                    reason = SessionEndReason.PeerClosed;
                    break;
                }
            }
        }
        catch (Exception ex)
        {
            await input.CompleteAsync(ex);
            await output.CompleteAsync(ex);
            throw;
        }

        await input.CompleteAsync();
        await output.CompleteAsync();
        return new SessionResult(reason, error, messages, bytesIn, bytesOut);
    }

    /// <summary>
    /// One read: its replies written (not flushed, unless written through) and the input advanced. Raw framing has no
    /// frames to parse: what arrived is the reply, handed to the output's <see cref="PipeWriter.WriteAsync"/> as it
    /// is (upper: changed in place, the input's memory is ours until AdvanceTo); a transport that sends on flush sends
    /// it with no copy, and completes at once.
    /// </summary>
    private ValueTask<ReadStep> ReplyAsync(PipeReader input, PipeWriter output, ReadOnlySequence<byte> buffer, long scanned)
    {
        if (!_writeThrough || !buffer.IsSingleSegment || buffer.IsEmpty)
        {
            return ParseAndReplyAsync(input, output, buffer, scanned);
        }

        var length = buffer.Length;
        var write = output.WriteAsync(ReplyInPlace(buffer.First), CancellationToken.None);
        // The output has sent or copied the bytes once WriteAsync returned, so the input may let them go now.
        input.AdvanceTo(buffer.End);
        return write.IsCompletedSuccessfully
            ? new ValueTask<ReadStep>(ReadStep.WrittenThrough(length, write.Result))
            : WrittenThroughAsync(write, length);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<ReadStep> WrittenThroughAsync(ValueTask<FlushResult> write, long length) =>
        ReadStep.WrittenThrough(length, await write);

    /// <summary>One read with frames: each complete one parsed, transformed straight into the output, and consumed.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ReadStep> ParseAndReplyAsync(PipeReader input, PipeWriter output, ReadOnlySequence<byte> buffer, long scanned)
    {
        var remaining = buffer;
        var examined = buffer.End;
        int count = 0;
        long written = 0;
        ProtocolError? error = null;
        try
        {
            var consumed = remaining.Start;
            while (_reader.TryParseMessage(remaining, ref scanned, ref consumed, ref examined, out var payload))
            {
                if (!_options.Work.IsNone)
                {
                    await WorkSimulator.RunAsync(_options.Work, CancellationToken.None);
                }

                _writer.WriteMessage(payload, output);
                count++;
                written += payload.Length + _overhead;
                remaining = remaining.Slice(consumed);
                consumed = remaining.Start;
            }
        }
        catch (ProtocolException ex)
        {
            error = ex.Error;
        }

        var read = buffer.Length - remaining.Length;
        var pending = !remaining.IsEmpty;
        input.AdvanceTo(remaining.Start, examined);
        return new ReadStep(count, read, written, scanned, pending, error, Sent: null);
    }
    /// <summary>The reply to raw bytes: the bytes themselves, transformed where they lie.</summary>
    private ReadOnlyMemory<byte> ReplyInPlace(ReadOnlyMemory<byte> received)
    {
        if (_options.Transform != TransformKind.Echo)
        {
            var span = MemoryMarshal.AsMemory(received).Span;
            Transform.Apply(_options.Transform, span, span);
        }

        return received;
    }
}
