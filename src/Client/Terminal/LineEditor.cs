using System.Text;

namespace EchoServers.Client.Terminal;

/// <summary>
/// A small readline: left/right, Home/End (Ctrl+A/E), Backspace, Delete, Ctrl+U, up/down history, Enter.
/// Ctrl+D on an empty line and Ctrl+C return null (leave). Each change redraws the line with ANSI sequences
/// (carriage return, erase to end of line, cursor back), which every terminal that runs .NET understands.
/// </summary>
internal sealed class LineEditor(IKeySource keys, TextWriter terminal, LineHistory history)
{
    private const string EraseToEndOfLine = "\u001b[K";

    private readonly StringBuilder _line = new();
    private int _cursor;

    public async Task<string?> ReadLineAsync(string prompt, CancellationToken cancellationToken)
    {
        _line.Clear();
        _cursor = 0;
        history.Reset();
        await RenderAsync(prompt);
        while (true)
        {
            var key = await keys.ReadKeyAsync(cancellationToken);
            switch (Classify(key))
            {
                case EditorKey.Enter:
                    var line = _line.ToString();
                    history.Add(line);
                    await terminal.WriteLineAsync();
                    await terminal.FlushAsync(cancellationToken);
                    return line;
                case EditorKey.Interrupt:
                    await terminal.WriteLineAsync();
                    await terminal.FlushAsync(cancellationToken);
                    return null;
                case EditorKey.EndOfInput when _line.Length == 0:
                    await terminal.WriteLineAsync();
                    await terminal.FlushAsync(cancellationToken);
                    return null;
                case EditorKey.EndOfInput or EditorKey.Delete when _cursor < _line.Length:
                    _line.Remove(_cursor, 1);
                    break;
                case EditorKey.Backspace when _cursor > 0:
                    _line.Remove(--_cursor, 1);
                    break;
                case EditorKey.Left when _cursor > 0:
                    _cursor--;
                    break;
                case EditorKey.Right when _cursor < _line.Length:
                    _cursor++;
                    break;
                case EditorKey.Home:
                    _cursor = 0;
                    break;
                case EditorKey.End:
                    _cursor = _line.Length;
                    break;
                case EditorKey.Clear:
                    _line.Clear();
                    _cursor = 0;
                    break;
                case EditorKey.Up:
                    Replace(history.Previous(_line.ToString()));
                    break;
                case EditorKey.Down:
                    Replace(history.Next());
                    break;
                case EditorKey.Character:
                    _line.Insert(_cursor++, key.KeyChar);
                    break;
                default:
                    continue;
            }

            await RenderAsync(prompt);
        }
    }

    private void Replace(string? text)
    {
        if (text is null)
        {
            return;
        }

        _line.Clear().Append(text);
        _cursor = _line.Length;
    }

    private async Task RenderAsync(string prompt)
    {
        var back = _line.Length - _cursor;
        var redraw = $"\r{prompt}{_line}{EraseToEndOfLine}" + (back > 0 ? $"\u001b[{back}D" : string.Empty);
        await terminal.WriteAsync(redraw);
        await terminal.FlushAsync();
    }

    private static EditorKey Classify(ConsoleKeyInfo key)
    {
        var control = (key.Modifiers & ConsoleModifiers.Control) != 0;
        return key.Key switch
        {
            ConsoleKey.Enter => EditorKey.Enter,
            ConsoleKey.Backspace => EditorKey.Backspace,
            ConsoleKey.Delete => EditorKey.Delete,
            ConsoleKey.LeftArrow => EditorKey.Left,
            ConsoleKey.RightArrow => EditorKey.Right,
            ConsoleKey.Home => EditorKey.Home,
            ConsoleKey.End => EditorKey.End,
            ConsoleKey.UpArrow => EditorKey.Up,
            ConsoleKey.DownArrow => EditorKey.Down,
            ConsoleKey.C when control => EditorKey.Interrupt,
            ConsoleKey.D when control => EditorKey.EndOfInput,
            ConsoleKey.A when control => EditorKey.Home,
            ConsoleKey.E when control => EditorKey.End,
            ConsoleKey.U when control => EditorKey.Clear,
            _ => key.KeyChar switch
            {
                '\r' or '\n' => EditorKey.Enter,
                '\u0003' => EditorKey.Interrupt,
                '\u0004' => EditorKey.EndOfInput,
                '\b' or '\u007f' => EditorKey.Backspace,
                _ when !char.IsControl(key.KeyChar) && key.KeyChar != '\0' => EditorKey.Character,
                _ => EditorKey.Ignored,
            },
        };
    }

    private enum EditorKey
    {
        Ignored,
        Character,
        Enter,
        Interrupt,
        EndOfInput,
        Backspace,
        Delete,
        Left,
        Right,
        Home,
        End,
        Clear,
        Up,
        Down,
    }
}
