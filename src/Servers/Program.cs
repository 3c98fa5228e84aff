namespace EchoServers.Servers;

internal static class Program
{
    public static int Main(string[] args)
    {
        Console.Error.WriteLine($"echo-server: not implemented yet ({args.Length} arguments)");
        return 1;
    }
}
