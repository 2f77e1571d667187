using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;

namespace Bytez.Media.Tests.Images;

/// <summary>
/// The independent reference: Debian's PIL 9.4 and numpy in one long-lived <c>/usr/bin/python3</c> process running
/// pil_oracle.py, asked case by case over its standard streams (one process per test run, not per case).
/// </summary>
public sealed class PilOracle : IDisposable
{
    private const string Python = "/usr/bin/python3";
    private static readonly Lazy<PilOracle> Shared = new(() => new PilOracle());
    private readonly Process process;
    private readonly Lock gate = new();

    private PilOracle()
    {
        if (!File.Exists(Python))
        {
            throw new InvalidOperationException($"{Python} is missing: install Debian's python3, python3-pil and python3-numpy (.ci/run does).");
        }

        var script = Path.Combine(AppContext.BaseDirectory, "Images", "pil_oracle.py");
        var start = new ProcessStartInfo(Python, ["-u", script])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        process = Process.Start(start) ?? throw new InvalidOperationException($"{Python} did not start.");
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (errors) { errors.AppendLine(e.Data); } } };
        process.BeginErrorReadLine();
    }

    private readonly StringBuilder errors = new();

    /// <summary>The one process of this test run.</summary>
    public static PilOracle Instance => Shared.Value;

    /// <summary>Sends one request and returns the answer's header and bytes; an "error" header fails the test.</summary>
    public (JsonObject Header, byte[] Payload) Ask(JsonObject request, ReadOnlySpan<byte> payload = default)
    {
        lock (gate)
        {
            request["n"] = payload.Length;
            var stdin = process.StandardInput.BaseStream;
            stdin.Write(Encoding.UTF8.GetBytes(request.ToJsonString() + "\n"));
            stdin.Write(payload);
            stdin.Flush();
            var stdout = process.StandardOutput.BaseStream;
            var line = ReadLine(stdout);
            var header = JsonNode.Parse(line)!.AsObject();
            var data = new byte[(int)header["n"]!];
            stdout.ReadExactly(data);
            if (header["error"] is { } error)
            {
                throw new InvalidOperationException($"The Python reference failed: {error}");
            }

            return (header, data);
        }
    }

    private string ReadLine(Stream stream)
    {
        var bytes = new List<byte>();
        while (true)
        {
            int b = stream.ReadByte();
            if (b < 0)
            {
                string err;
                lock (errors)
                {
                    err = errors.ToString();
                }

                throw new InvalidOperationException($"The Python reference ended (is python3-pil/python3-numpy installed?): {err}");
            }

            if (b == '\n')
            {
                return Encoding.UTF8.GetString([.. bytes]);
            }

            bytes.Add((byte)b);
        }
    }

    /// <summary>PIL's <c>Image.resize</c> of RGB pixels.</summary>
    public byte[] Resize(int w, int h, byte[] rgb, int nw, int nh, int filter)
        => Ask(new JsonObject { ["op"] = "resize", ["w"] = w, ["h"] = h, ["nw"] = nw, ["nh"] = nh, ["filter"] = filter }, rgb).Payload;

    /// <summary>The pixels transformers' <c>load_image</c> gives for a file.</summary>
    public (int W, int H, byte[] Rgb) Decode(string path)
    {
        var (header, data) = Ask(new JsonObject { ["op"] = "decode", ["path"] = path });
        return ((int)header["w"]!, (int)header["h"]!, data);
    }

    /// <summary>Stops the process.</summary>
    public void Dispose()
    {
        process.StandardInput.Close();
        process.WaitForExit(5000);
        process.Dispose();
    }
}

/// <summary>Fixture files written by PIL into one temporary folder per test run.</summary>
public static class PilFixtures
{
    private static readonly Lazy<(string Dir, IReadOnlyList<(string Name, string What)> Files)> Made = new(() =>
    {
        var dir = Directory.CreateTempSubdirectory("bytez-img-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
            }
        };
        var (header, _) = PilOracle.Instance.Ask(new JsonObject { ["op"] = "fixtures", ["dir"] = dir });
        var files = header["files"]!.AsArray().Select(f => ((string)f!["name"]!, (string)f["what"]!)).ToList();
        return (dir, files);
    });

    /// <summary>The folder.</summary>
    public static string Dir => Made.Value.Dir;

    /// <summary>Each file's name and what it is.</summary>
    public static IReadOnlyList<(string Name, string What)> Files => Made.Value.Files;

    /// <summary>The path of one fixture.</summary>
    public static string PathOf(string name) => Path.Combine(Dir, name);
}
