namespace EchoServers.Load.Bench;

/// <summary>
/// Parses <c>--reference</c> values into rows: a known peer's name (<c>c</c>, <c>go</c>, <c>dotnetty</c>, or a
/// comma-separated list of them), built from the repository's <c>reference/</c> folder; or a command with <c>{port}</c>.
/// </summary>
public static class BenchReferences
{
    /// <summary>The rows and the builds <paramref name="values"/> ask for, or one line saying what is wrong.</summary>
    public static bool TryParse(
        IReadOnlyList<string> values, IReadOnlyList<BenchModel> models, out IReadOnlyList<BenchModel> references, out IReadOnlyList<ReferenceBuild> builds, out string error)
    {
        var rows = new List<BenchModel>();
        var toBuild = new List<ReferenceBuild>();
        references = rows;
        builds = toBuild;
        string? repository = null;
        foreach (var value in values)
        {
            if (value.Contains("{port}", StringComparison.Ordinal))
            {
                rows.Add(BenchModel.Reference(value));
                continue;
            }

            foreach (var name in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (ReferencePeer.Find(name) is not { } peer)
                {
                    error = $"--reference '{name}' is neither a known reference ({string.Join(", ", ReferencePeer.Known.Select(p => p.Name))}) nor a command with {{port}} where the port goes, e.g. \"/opt/echo {{port}}\"";
                    return false;
                }

                repository ??= ReferenceBuild.FindRepository(AppContext.BaseDirectory, Environment.CurrentDirectory);
                if (repository is null)
                {
                    error = $"--reference {peer.Name}: the repository's reference/ folder was not found above {AppContext.BaseDirectory} nor {Environment.CurrentDirectory}; run echo-load from the repository, or give a command with {{port}}";
                    return false;
                }

                var build = new ReferenceBuild(peer, repository, ReferenceBuild.DefaultCache(repository));
                toBuild.Add(build);
                rows.Add(BenchModel.Reference(build.Command, peer.Name));
            }
        }

        var labels = models.Select(m => m.Label).Concat(rows.Select(r => r.Label)).ToArray();
        if (labels.GroupBy(l => l).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            error = $"--reference: '{twice.Key}' is a row twice (a reference's label is its name, or its program's file name)";
            return false;
        }

        error = string.Empty;
        return true;
    }
}
