using Bytez.Engine.Templating;

namespace Bytez.Engine.Tests.Templating;

internal static class T
{
    public static string Render(string source, params (string Name, object? Value)[] variables)
        => JinjaTemplate.Parse(source).Render(variables.ToDictionary(v => v.Name, v => v.Value));

    public static TemplateException RenderFails(string source, params (string Name, object? Value)[] variables)
        => Assert.Throws<TemplateException>(() => Render(source, variables));

    public static TemplateException ParseFails(string source)
        => Assert.Throws<TemplateException>(() => JinjaTemplate.Parse(source));

    public static Dictionary<string, object?> Msg(string role, object? content)
        => new() { ["role"] = role, ["content"] = content };
}
