namespace EchoServers.Load.Engine;

/// <summary>The run cannot start as asked (bad target, limits too low); the message is one line saying how to fix it.</summary>
public sealed class LoadSetupException : Exception
{
    public LoadSetupException(string message)
        : base(message)
    {
    }

    public LoadSetupException()
    {
    }

    public LoadSetupException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
