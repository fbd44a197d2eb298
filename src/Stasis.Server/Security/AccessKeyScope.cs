using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Http;
using Stasis.Client.Model;
using Stasis.Client.Specs;

namespace Stasis.Server.Security;

/// <summary>
/// What an access key may do: <c>admin</c> everything; <c>read</c> GET (and HEAD) on the control API and /metrics;
/// <c>invoke:FUNCTION</c> only call that function's <c>function</c>-auth triggers.
/// </summary>
internal sealed record AccessKeyScope
{
    public static readonly AccessKeyScope Admin = new(AccessKeyScopes.Admin, null);
    public static readonly AccessKeyScope Read = new(AccessKeyScopes.Read, null);

    private AccessKeyScope(string text, string? function)
    {
        Text = text;
        Function = function;
    }

    /// <summary>As stored and shown: <c>admin</c>, <c>read</c> or <c>invoke:NAME</c>.</summary>
    public string Text { get; }

    /// <summary>The function an invoke scope is for; null for admin and read.</summary>
    public string? Function { get; }

    public bool IsAdmin => Text == AccessKeyScopes.Admin;

    public static AccessKeyScope Invoke(string function) => new(AccessKeyScopes.Invoke(function), function);

    /// <summary>Reads a scope; <paramref name="problem"/> says what is accepted when it is not one.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out AccessKeyScope? scope, [NotNullWhen(false)] out string? problem)
    {
        scope = text switch
        {
            AccessKeyScopes.Admin => Admin,
            AccessKeyScopes.Read => Read,
            { } s when s.StartsWith(AccessKeyScopes.InvokePrefix, StringComparison.Ordinal) && FunctionSpecValidator.IsValidFunctionName(s[AccessKeyScopes.InvokePrefix.Length..])
                => Invoke(s[AccessKeyScopes.InvokePrefix.Length..]),
            _ => null,
        };
        problem = scope is null ? $"scope '{text}' is not one of admin, read or invoke:FUNCTION (FUNCTION a valid function name)." : null;
        return scope is not null;
    }

    /// <summary>Whether a request with <paramref name="method"/> may reach a control endpoint (<paramref name="adminOnly"/>: key management).</summary>
    public bool MayCall(string method, bool adminOnly) =>
        IsAdmin || (Text == AccessKeyScopes.Read && !adminOnly && (HttpMethods.IsGet(method) || HttpMethods.IsHead(method)));

    /// <summary>Whether this scope may call <paramref name="function"/>'s function-auth triggers.</summary>
    public bool MayInvoke(string function) => IsAdmin || string.Equals(Function, function, StringComparison.Ordinal);

    public override string ToString() => Text;
}
