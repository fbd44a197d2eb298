using Stasis.Client.Model;

namespace Stasis.Client;

internal static class ClientJson
{
    public static readonly StasisJsonContext Context = StasisJsonContext.Create(writeIndented: false);
}
