using System.Globalization;

namespace Bytez.Hub.Planning;

/// <summary>Helpers for the planner's messages and its checks of untrusted paths.</summary>
internal static class PlanText
{
    private static readonly string[] Units = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];

    /// <summary>A size for people: <c>512 bytes</c>, <c>3.2 GiB</c> (binary units, one decimal at most).</summary>
    public static string Size(long bytes)
    {
        if (bytes < 1024)
        {
            return bytes.ToString(CultureInfo.InvariantCulture) + " bytes";
        }

        double value = bytes;
        var unit = -1;
        while (value >= 1024 && unit < Units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return value.ToString("0.#", CultureInfo.InvariantCulture) + " " + Units[unit];
    }

    /// <summary>A size for people with the exact byte count, for values a user may copy into a setting.</summary>
    public static string SizeWithBytes(long bytes) =>
        bytes < 1024 ? Size(bytes) : $"{Size(bytes)} ({bytes.ToString(CultureInfo.InvariantCulture)} bytes)";

    /// <summary>A path as shown in a message: control characters escaped so a hostile name cannot forge lines.</summary>
    public static string Printable(string path)
    {
        var builder = new System.Text.StringBuilder(path.Length);
        foreach (var c in path)
        {
            if (char.IsControl(c))
            {
                builder.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    /// <summary>Names joined for a message: <c>a, b and c</c>.</summary>
    public static string List(IEnumerable<string> items)
    {
        var list = items.ToList();
        return list.Count switch
        {
            0 => "none",
            1 => list[0],
            _ => string.Join(", ", list.Take(list.Count - 1)) + " and " + list[^1],
        };
    }
}
