namespace Bytez.Server.Auth;

/// <summary>Settings of issued API keys (section <c>Bytez:Keys</c>).</summary>
public sealed class ApiKeyOptions
{
    /// <summary>The default limits of every issued key (section <c>Bytez:Keys:Limits</c>).</summary>
    public KeyLimitsOptions Limits { get; set; } = new();
}
