namespace Bytez.Engine.LlamaCpp.Tests;

/// <summary>The one fixed seed of this project's property tests (CsCheck seed format), so CI runs the same inputs every time.</summary>
internal static class PropertySeed
{
    /// <summary>The seed.</summary>
    public const string Value = "0bytezLlama1";
}
