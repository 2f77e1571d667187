using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;

namespace Bytez.Engine.Tests.Tasks.PostProcessing;

/// <summary>
/// The independent reference for the interpolation kernels: Debian's torch in one long-lived <c>/usr/bin/python3</c>
/// process running torch_interpolate.py, asked plane by plane over its standard streams.
/// </summary>
public sealed class TorchOracle
{
    private const string Python = "/usr/bin/python3";
    private static readonly Lazy<TorchOracle> Shared = new(() => new TorchOracle());
    private readonly Process process;
    private readonly Lock gate = new();
    private readonly StringBuilder errors = new();

    private TorchOracle()
    {
        if (!File.Exists(Python))
        {
            throw new InvalidOperationException($"{Python} is missing: install Debian's python3, python3-numpy and python3-torch (.ci/run does).");
        }

        var script = Path.Combine(AppContext.BaseDirectory, "Tasks", "PostProcessing", "torch_interpolate.py");
        var start = new ProcessStartInfo(Python, ["-u", script])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        process = Process.Start(start) ?? throw new InvalidOperationException($"{Python} did not start.");
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (errors)
                {
                    errors.AppendLine(e.Data);
                }
            }
        };
        process.BeginErrorReadLine();
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            process.StandardInput.Close();
            process.WaitForExit(5000);
        };
    }

    /// <summary>The one process of this test run.</summary>
    public static TorchOracle Instance => Shared.Value;

    /// <summary><c>F.interpolate(plane[None, None], size=(outHeight, outWidth), mode=mode, align_corners=False)</c>.</summary>
    public float[] Interpolate(string mode, float[] plane, int height, int width, int outHeight, int outWidth)
    {
        lock (gate)
        {
            var bytes = MemoryMarshal.AsBytes(plane.AsSpan());
            var request = new JsonObject { ["mode"] = mode, ["h"] = height, ["w"] = width, ["oh"] = outHeight, ["ow"] = outWidth, ["n"] = bytes.Length };
            var stdin = process.StandardInput.BaseStream;
            stdin.Write(Encoding.UTF8.GetBytes(request.ToJsonString() + "\n"));
            stdin.Write(bytes);
            stdin.Flush();
            var stdout = process.StandardOutput.BaseStream;
            var header = JsonNode.Parse(ReadLine(stdout))!.AsObject();
            if (header["error"] is { } error)
            {
                throw new InvalidOperationException($"torch failed: {error}");
            }

            var data = new byte[(int)header["n"]!];
            stdout.ReadExactly(data);
            return MemoryMarshal.Cast<byte, float>(data).ToArray();
        }
    }

    private string ReadLine(Stream stream)
    {
        var bytes = new List<byte>();
        while (true)
        {
            var b = stream.ReadByte();
            if (b < 0)
            {
                lock (errors)
                {
                    throw new InvalidOperationException($"The torch reference ended (are python3-numpy and python3-torch installed?): {errors}");
                }
            }

            if (b == '\n')
            {
                return Encoding.UTF8.GetString([.. bytes]);
            }

            bytes.Add((byte)b);
        }
    }
}
