using System.Collections.Immutable;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Bytez.Docs.Tests.Markdown;

/// <summary>
/// Compiles a documentation example with Roslyn as the top-level statements of a console program, as a user who
/// pastes it into <c>dotnet new console</c> (implicit usings on, nullable on) with the <c>Bytez</c> package gets it.
/// <c>using</c> directives anywhere in the blocks are hoisted to the top; <c>#line</c> directives make every
/// diagnostic point at its Markdown file and line.
/// </summary>
public static partial class SnippetCompiler
{
    /// <summary>The global usings of a console project with <c>ImplicitUsings</c> enabled.</summary>
    public static IReadOnlyList<string> ImplicitUsings { get; } =
        ["System", "System.Collections.Generic", "System.IO", "System.Linq", "System.Net.Http", "System.Threading", "System.Threading.Tasks"];

    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(LoadReferences);

    /// <summary>
    /// Every namespace a reader of the SDK's documentation could need: the SDK's and the protocol's, JSON, and the
    /// hosting extensions the IHttpClientFactory example uses.
    /// </summary>
    public static IReadOnlyList<string> SdkNamespaces()
    {
        var namespaces = new SortedSet<string>(StringComparer.Ordinal)
        {
            "System.Net", "System.Text.Json", "System.Text.Json.Nodes", "System.Text.Json.Serialization",
            "Microsoft.Extensions.Configuration", "Microsoft.Extensions.DependencyInjection",
        };
        foreach (var assembly in new[] { typeof(BytezClient).Assembly, typeof(Protocol.ChatMessage).Assembly })
        {
            foreach (var type in assembly.GetExportedTypes())
            {
                namespaces.Add(type.Namespace!);
            }
        }

        return namespaces.ToList();
    }

    /// <summary>Compiles the example; <paramref name="extraUsings"/> are added as global usings.</summary>
    public static ImmutableArray<Diagnostic> Errors(CSharpExample example, IEnumerable<string> extraUsings)
    {
        ArgumentNullException.ThrowIfNull(example);
        var globals = string.Concat(ImplicitUsings.Concat(extraUsings).Distinct().Select(n => $"global using {n};\n"));
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var compilation = CSharpCompilation.Create(
            "Example",
            [CSharpSyntaxTree.ParseText(globals, parse, "GlobalUsings.cs"), CSharpSyntaxTree.ParseText(Source(example), parse, "Example.cs")],
            References.Value,
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));
        return [.. compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error)];
    }

    /// <summary>A diagnostic as <c>README.md:47: CS1061: message</c>.</summary>
    public static string Describe(Diagnostic diagnostic)
    {
        ArgumentNullException.ThrowIfNull(diagnostic);
        var span = diagnostic.Location.GetMappedLineSpan();
        return $"{span.Path}:{span.StartLinePosition.Line + 1}: {diagnostic.Id}: {diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}";
    }

    /// <summary>
    /// The namespaces of the SDK, the protocol, the engine and JSON that hold a public type named
    /// <paramref name="name"/>: what a <c>using</c> for that name would be.
    /// </summary>
    public static IReadOnlyList<string> NamespacesOf(string name)
    {
        var found = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var reference in References.Value)
        {
            var file = Path.GetFileNameWithoutExtension(reference.Display ?? string.Empty);
            if (!file.StartsWith("Bytez", StringComparison.Ordinal) && !file.StartsWith("System.Text.Json", StringComparison.Ordinal))
            {
                continue;
            }

            var assembly = System.Reflection.Assembly.LoadFrom(reference.Display!);
            foreach (var type in assembly.GetExportedTypes().Where(t => t.Name == name && t.Namespace is not null))
            {
                found.Add(type.Namespace!);
            }
        }

        return found.ToList();
    }

    /// <summary>The program: hoisted usings, then each block's code, each line mapped to its Markdown line.</summary>
    public static string Source(CSharpExample example)
    {
        ArgumentNullException.ThrowIfNull(example);
        var usings = new StringBuilder();
        var body = new StringBuilder();
        foreach (var block in example.Blocks)
        {
            body.Append(CultureInvariant($"#line {block.Line} \"{block.File}\"\n"));
            for (var i = 0; i < block.Code.Count; i++)
            {
                var line = block.Code[i];
                if (UsingDirective().IsMatch(line))
                {
                    usings.Append(CultureInvariant($"#line {block.Line + i} \"{block.File}\"\n{line}\n"));
                    body.Append('\n');
                }
                else
                {
                    body.Append(line).Append('\n');
                }
            }
        }

        return usings.Append(body).ToString();
    }

    private static string CultureInvariant(FormattableString text) => FormattableString.Invariant(text);

    private static ImmutableArray<MetadataReference> LoadReferences()
    {
        // The test's own platform: .NET, ASP.NET Core's shared framework, and the SDK, protocol and engine assemblies.
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        return [.. paths.Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))];
    }

    [GeneratedRegex(@"^\s*using\s+(static\s+)?[\w.]+(\s*=\s*[\w.<>, ]+)?\s*;\s*(//.*)?$")]
    private static partial Regex UsingDirective();
}
