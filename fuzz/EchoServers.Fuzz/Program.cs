using EchoServers.Fuzz;
using SharpFuzz;

// echo-fuzz TARGET                  under afl-fuzz (scripts/fuzz.sh): one input per run from afl's shared memory
// echo-fuzz TARGET --replay PATH..  runs each file (or every file of each folder) once, as a test would
// echo-fuzz --list                  the targets
if (args.Length == 1 && args[0] == "--list")
{
    Console.WriteLine(string.Join('\n', Targets.All.Keys));
    return 0;
}

if (args.Length == 0 || !Targets.All.TryGetValue(args[0], out var target))
{
    Console.Error.WriteLine($"usage: echo-fuzz TARGET [--replay PATH...]; targets: {string.Join(", ", Targets.All.Keys)}");
    return 2;
}

if (args.Length > 1 && args[1] == "--replay")
{
    var files = args[2..].SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p, "*", SearchOption.AllDirectories) : [p]);
    var count = 0;
    foreach (var file in files.Order(StringComparer.Ordinal))
    {
        target(File.ReadAllBytes(file));
        count++;
    }

    Console.WriteLine($"{args[0]}: {count} input(s) replayed, no crash");
    return 0;
}

Fuzzer.OutOfProcess.Run(stream =>
{
    using var buffer = new MemoryStream();
    stream.CopyTo(buffer);
    target(buffer.ToArray());
});
return 0;
