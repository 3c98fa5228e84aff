using System.Globalization;
using EchoServers.Protocol.Text;

namespace EchoServers.Load.Simulations;

/// <summary>One load simulation: <paramref name="From"/> and <paramref name="To"/> are connections (closed) or messages/s (open).</summary>
public sealed record LoadStep(LoadStepKind Kind, double From, double To, TimeSpan Duration)
{
    /// <summary>Whether this step drives the open model (a rate) rather than the closed one (connections).</summary>
    public bool IsOpen => Kind is LoadStepKind.Inject or LoadStepKind.RampingInject;

    /// <summary>Whether this step names a model at all (a pause does not).</summary>
    public bool HasModel => Kind != LoadStepKind.Pause;

    /// <inheritdoc />
    public override string ToString()
    {
        var d = DurationText.Format(Duration);
        return Kind switch
        {
            LoadStepKind.KeepConstant => $"keep-constant {From.ToString(CultureInfo.InvariantCulture)} for {d}",
            LoadStepKind.RampingConstant => $"ramping-constant {From.ToString(CultureInfo.InvariantCulture)}..{To.ToString(CultureInfo.InvariantCulture)} over {d}",
            LoadStepKind.Inject => $"inject {From.ToString(CultureInfo.InvariantCulture)}/s for {d}",
            LoadStepKind.RampingInject => $"ramping-inject {From.ToString(CultureInfo.InvariantCulture)}..{To.ToString(CultureInfo.InvariantCulture)}/s over {d}",
            _ => $"pause {d}",
        };
    }
}
