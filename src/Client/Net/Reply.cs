namespace EchoServers.Client.Net;

/// <summary>One reply frame's payload (a copy: the pipe's buffer is reused) and when it was parsed.</summary>
/// <param name="Payload">The payload bytes, without framing.</param>
/// <param name="Timestamp"><see cref="System.Diagnostics.Stopwatch.GetTimestamp"/> when the frame was complete.</param>
internal readonly record struct Reply(byte[] Payload, long Timestamp);
