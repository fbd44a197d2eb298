using System.Buffers.Binary;
using System.Net;

namespace Stasis.Server.Hosting.Connections;

/// <summary>
/// Whose connections count together for the per-address cap: one IPv4 address, or one IPv6 /64 (the least a host
/// is given, so that a client cannot step around the cap by changing the low bits of its address).
/// </summary>
internal readonly record struct ClientAddress(UInt128 Key)
{
    public static ClientAddress Of(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        var v6 = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? address.MapToIPv6() : address;
        v6.TryWriteBytes(bytes, out _);
        var key = BinaryPrimitives.ReadUInt128BigEndian(bytes);
        if (!v6.IsIPv4MappedToIPv6)
        {
            key &= ~(UInt128)ulong.MaxValue; // the /64
        }

        return new ClientAddress(key);
    }

    /// <summary>The address as a person reads it: <c>10.1.2.3</c>, or <c>2001:db8:0:1::/64</c>.</summary>
    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(bytes, Key);
        var address = new IPAddress(bytes);
        return address.IsIPv4MappedToIPv6 ? address.MapToIPv4().ToString() : address + "/64";
    }
}
