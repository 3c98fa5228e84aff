namespace EchoServers.Linux;

/// <summary>
/// Linux ABI constants. The values are the generic ones shared by x86-64 and arm64 (the only architectures this
/// layer targets); they are not portable to other Unixes, which is why the layer is Linux only.
/// </summary>
internal static class LinuxConstants
{
    public const int EpollCloexec = 0x80000;
    public const int EpollCtlAdd = 1;
    public const int EpollCtlDel = 2;
    public const int EpollCtlMod = 3;

    public const uint EpollIn = 0x001;
    public const uint EpollOut = 0x004;
    public const uint EpollErr = 0x008;
    public const uint EpollHup = 0x010;
    public const uint EpollRdHup = 0x2000;
    public const uint EpollOneShot = 0x40000000;

    public const int SockStream = 1;
    public const int SockNonBlock = 0x800;
    public const int SockCloexec = 0x80000;
    public const int EfdNonBlock = 0x800;
    public const int EfdCloexec = 0x80000;

    public const int MsgDontWait = 0x40;
    public const int MsgNoSignal = 0x4000;

    public const int SolSocket = 1;
    public const int SoError = 4;
    public const int SoLinger = 13;
    public const int SoReusePort = 15;
    public const int IpProtoTcp = 6;
    public const int TcpNoDelay = 1;

    public const int ShutWr = 1;

    public const ushort AfInet = 2;
    public const ushort AfInet6 = 10;

    public const int RlimitNoFile = 7;
    public const int PrSetTimerSlack = 29;
    public const int ClockMonotonic = 1;

    public const int SigKill = 9;
    public const int SigTerm = 15;
}
