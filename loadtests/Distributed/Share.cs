using System.Globalization;
using System.Net;
using System.Net.Sockets;
using EchoServers.Load.Engine;

namespace EchoServers.Load.Distributed;

/// <summary>
/// <c>--share i/N</c>: the i-th of N equal parts of one load description, so that N generators (processes or
/// machines) together run exactly the whole. Connections are split as integers that sum to the total (the first
/// <c>total mod N</c> shares take one more); an open-model rate follows the connections (share i sends
/// rate × cᵢ / C, the same rate per connection as the whole, and the shares' rates sum to the rate); closed-model
/// levels split like connections. On loopback each share binds its own 127.0.0.x source addresses, so shares on
/// one machine never compete for the same ephemeral ports; the Poisson seed differs per share.
/// </summary>
public sealed record Share(int Index, int Count)
{
    public static bool TryParse(string text, out Share share, out string error)
    {
        share = null!;
        var parts = text.Split('/');
        if (parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            && count >= 1 && index >= 1 && index <= count)
        {
            share = new Share(index, count);
            error = string.Empty;
            return true;
        }

        error = $"--share '{text}' is not i/N with 1 <= i <= N (e.g. 2/4)";
        return false;
    }

    /// <summary>This share's part of <paramref name="total"/> whole units.</summary>
    public int Split(int total) => (total / Count) + (Index <= total % Count ? 1 : 0);

    /// <summary>The options of this share of <paramref name="whole"/>.</summary>
    public LoadOptions Apply(LoadOptions whole)
    {
        var profile = whole.BuildProfile();
        var totalConnections = whole.ConnectionsToOpen(profile);
        var connections = Split(totalConnections);
        if (connections < 1)
        {
            throw new LoadSetupException($"share {this} of {totalConnections} connections is empty: use at most {totalConnections} shares");
        }

        var fraction = connections / (double)totalConnections;
        return whole with
        {
            Connections = profile.IsOpen ? connections : Split(whole.Connections),
            Rate = whole.Rate * fraction,
            Steps = whole.Steps?.Select(step => step.IsOpen
                ? step with { From = step.From * fraction, To = step.To * fraction }
                : step with { From = Split((int)Math.Round(step.From)), To = Split((int)Math.Round(step.To)) }).ToList(),
            Seed = whole.Seed + Index - 1,
            SourceAddresses = SourceAddresses(whole.Target, totalConnections, connections),
        };
    }

    public override string ToString() => $"{Index}/{Count}";

    private IReadOnlyList<IPAddress>? SourceAddresses(IPEndPoint target, int totalConnections, int connections)
    {
        if (target.AddressFamily != AddressFamily.InterNetwork || !IPAddress.IsLoopback(target.Address))
        {
            // Elsewhere each machine has its own addresses; nothing to divide.
            return null;
        }

        var range = Preflight.EphemeralPortCount();
        var perSource = Math.Min(Preflight.PerSourceAddress, range > 0 ? range - 1000 : Preflight.PerSourceAddress);
        var widest = (((totalConnections + Count - 1) / Count) + perSource - 1) / perSource;
        var mine = (connections + perSource - 1) / perSource;
        var first = 1 + ((Index - 1) * widest);
        if (first + mine - 1 > 250)
        {
            throw new LoadSetupException($"{Count} shares of {totalConnections} connections need more than 250 loopback source addresses");
        }

        return [.. Enumerable.Range(first, mine).Select(i => new IPAddress(new byte[] { 127, 0, 0, (byte)i }))];
    }
}
