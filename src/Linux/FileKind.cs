namespace EchoServers.Linux;

/// <summary>
/// What a path names, read without opening it: opening a FIFO for reading blocks until a writer appears, and a
/// device may never end, so a file the process is about to read whole is checked first.
/// </summary>
internal static unsafe class FileKind
{
    private const int AtFdCwd = -100;
    private const uint StatxType = 0x0001;
    private const int StatxModeOffset = 28;
    private const int TypeMask = 0xF000;

    /// <summary>
    /// The kind of file at <paramref name="path"/> (following links): "regular file", "FIFO", "directory", "character
    /// device", "block device", "socket"; null when it cannot be told (no such file, not Linux).
    /// </summary>
    public static string? Of(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        var buffer = stackalloc byte[256];
        try
        {
            if (LibC.Statx(AtFdCwd, path, 0, StatxType, buffer) != 0)
            {
                return null;
            }
        }
        catch (EntryPointNotFoundException)
        {
            return null; // a libc older than statx
        }

        var mode = *(ushort*)(buffer + StatxModeOffset);
        return (mode & TypeMask) switch
        {
            0x8000 => "regular file",
            0x1000 => "FIFO",
            0x4000 => "directory",
            0x2000 => "character device",
            0x6000 => "block device",
            0xC000 => "socket",
            0xA000 => "symbolic link",
            _ => "special file",
        };
    }

    /// <summary>False only when <paramref name="path"/> is known to be something other than a regular file.</summary>
    public static bool MayBeRegular(string path, out string? kind)
    {
        kind = Of(path);
        return kind is null or "regular file";
    }
}
