namespace EchoServers.Client;

internal static class Program
{
    public static int Main(string[] args)
    {
        Console.Error.WriteLine($"echo-client: not implemented yet ({args.Length} arguments)");
        return 1;
    }
}
