namespace EchoServers.Load;

internal static class Program
{
    public static int Main(string[] args)
    {
        Console.Error.WriteLine($"echo-load: not implemented yet ({args.Length} arguments)");
        return 1;
    }
}
