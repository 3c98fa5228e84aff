using DotNetty.Transport.Channels;

namespace EchoServers.Reference.DotNetty;

/// <summary>
/// DotNetty's echo handler: every buffer read is written back as it is (the write takes over the buffer's
/// reference count), and the writes of one read burst go out in one flush when the burst ends.
/// </summary>
internal sealed class EchoServerHandler : ChannelHandlerAdapter
{
    /// <summary>One handler serves every connection: it keeps no state.</summary>
    public override bool IsSharable => true;

    public override void ChannelRead(IChannelHandlerContext context, object message) => context.WriteAsync(message);

    public override void ChannelReadComplete(IChannelHandlerContext context) => context.Flush();

    /// <summary>A reset or a broken pipe ends this connection only.</summary>
    public override void ExceptionCaught(IChannelHandlerContext context, Exception exception) => context.CloseAsync();
}
