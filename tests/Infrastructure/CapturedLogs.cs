using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace EchoServers.Tests.Infrastructure;

/// <summary>A logger provider that keeps every entry, so tests can assert what a server logged (and what it did not).</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<LogEntry> _entries = new();

    /// <summary>Everything logged so far.</summary>
    public IReadOnlyList<LogEntry> Entries => [.. _entries];

    /// <summary>Entries at <paramref name="level"/> or above.</summary>
    public IReadOnlyList<LogEntry> AtLeast(LogLevel level) => [.. _entries.Where(e => e.Level >= level)];

    /// <summary>A logger factory writing here (Debug and up).</summary>
    public ILoggerFactory CreateFactory() => LoggerFactory.Create(builder => builder.AddProvider(this).SetMinimumLevel(LogLevel.Debug));

    /// <inheritdoc/>
    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    /// <inheritdoc/>
    public void Dispose()
    {
    }

    /// <summary>One log entry.</summary>
    public sealed record LogEntry(LogLevel Level, string Category, string Message, Exception? Exception);

    private sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner._entries.Enqueue(new LogEntry(logLevel, category, formatter(state, exception), exception));
    }
}
