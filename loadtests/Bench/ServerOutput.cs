using System.Net;
using System.Text.RegularExpressions;

namespace EchoServers.Load.Bench;

/// <summary>
/// What an <c>echo-server</c> process prints: the last lines (stdout and stderr interleaved) and the endpoint of its
/// <c>listening on IP:PORT</c> line. Shared by the bench and the out-of-process reliability tests.
/// </summary>
internal sealed partial class ServerOutput(int keptLines)
{
    private readonly Queue<string> _lines = new();
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource<IPEndPoint> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Seen)> _waiters = [];

    /// <summary>Completes with the bound endpoint once the server logged it.</summary>
    public Task<IPEndPoint> Listening => _listening.Task;

    /// <summary>The last lines seen, oldest first.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_gate)
            {
                return [.. _lines];
            }
        }
    }

    /// <summary>Completes with the first line from now on that <paramref name="match"/> accepts (bound it with a timeout).</summary>
    public Task<string> NextLineAsync(Func<string, bool> match)
    {
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _waiters.Add((match, seen));
        }

        return seen.Task;
    }

    /// <summary>Takes one line (a <see cref="System.Diagnostics.DataReceivedEventArgs.Data"/>; null at end of stream).</summary>
    public void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            if (_lines.Count == keptLines)
            {
                _lines.Dequeue();
            }

            _lines.Enqueue(line);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(line))
                {
                    _waiters[i].Seen.TrySetResult(line);
                    _waiters.RemoveAt(i);
                }
            }
        }

        if (!_listening.Task.IsCompleted && ListeningLine().Match(line) is { Success: true } match)
        {
            _listening.TrySetResult(new IPEndPoint(IPAddress.Parse(match.Groups["ip"].Value), int.Parse(match.Groups["port"].Value)));
        }
    }

    [GeneratedRegex(@"listening on (?<ip>\d{1,3}(?:\.\d{1,3}){3}):(?<port>\d{1,5})")]
    private static partial Regex ListeningLine();
}
