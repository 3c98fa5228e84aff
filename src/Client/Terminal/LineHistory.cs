namespace EchoServers.Client.Terminal;

/// <summary>Lines entered so far, browsed with up/down; the line being typed is kept while browsing.</summary>
internal sealed class LineHistory
{
    private readonly List<string> _entries = [];
    private int _index;
    private string _draft = string.Empty;

    public IReadOnlyList<string> Entries => _entries;

    /// <summary>Remembers <paramref name="line"/>, unless empty or the same as the previous entry (as shells do).</summary>
    public void Add(string line)
    {
        if (line.Length > 0 && (_entries.Count == 0 || _entries[^1] != line))
        {
            _entries.Add(line);
        }
    }

    /// <summary>Starts browsing from below the newest entry.</summary>
    public void Reset()
    {
        _index = _entries.Count;
        _draft = string.Empty;
    }

    /// <summary>The entry before the current one, or null at the oldest. <paramref name="current"/> is kept as the draft.</summary>
    public string? Previous(string current)
    {
        if (_index == 0)
        {
            return null;
        }

        if (_index == _entries.Count)
        {
            _draft = current;
        }

        return _entries[--_index];
    }

    /// <summary>The entry after the current one; past the newest, the draft that was being typed; null when already there.</summary>
    public string? Next()
    {
        if (_index >= _entries.Count)
        {
            return null;
        }

        _index++;
        return _index == _entries.Count ? _draft : _entries[_index];
    }
}
