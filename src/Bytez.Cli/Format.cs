using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Bytez.Cli;

/// <summary>Text formats shared by the commands: sizes, numbers, tables and indented JSON. Culture-invariant.</summary>
internal static class Format
{
    private static readonly string[] Units = ["B", "kB", "MB", "GB", "TB", "PB"];

    /// <summary>A byte count in decimal units, as the hub shows sizes: <c>512 B</c>, <c>1.2 GB</c>.</summary>
    public static string Bytes(long bytes)
    {
        if (bytes < 1000)
        {
            return Invariant($"{bytes} B");
        }

        double value = bytes;
        var unit = 0;
        while (value >= 999.95 && unit < Units.Length - 1)
        {
            value /= 1000;
            unit++;
        }

        return Invariant($"{value:0.0} {Units[unit]}");
    }

    /// <summary>Percent done of a download, 0 when its size is unknown.</summary>
    public static double Percent(long done, long total) =>
        total <= 0 ? 0 : Math.Clamp(done * 100.0 / total, 0, 100);

    /// <summary>Formats with the invariant culture.</summary>
    public static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>A UTC time as <c>2026-03-01 10:00:05Z</c>.</summary>
    public static string Time(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Writes rows as columns separated by two spaces; <paramref name="rightAligned"/> columns are numbers.</summary>
    public static void Table(TextWriter writer, IReadOnlyList<string[]> rows, params int[] rightAligned)
    {
        var widths = new int[rows[0].Length];
        foreach (var row in rows)
        {
            for (var i = 0; i < row.Length; i++)
            {
                widths[i] = Math.Max(widths[i], row[i].Length);
            }
        }

        var line = new StringBuilder();
        foreach (var row in rows)
        {
            line.Clear();
            for (var i = 0; i < row.Length; i++)
            {
                var cell = rightAligned.Contains(i) ? row[i].PadLeft(widths[i]) : row[i].PadRight(widths[i]);
                line.Append(cell);
                if (i < row.Length - 1)
                {
                    line.Append("  ");
                }
            }

            writer.WriteLine(line.ToString().TrimEnd());
        }
    }

    /// <summary>A JSON element written indented.</summary>
    public static string Json(JsonElement element)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            element.WriteTo(writer);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>A value of a wire type written as indented JSON, through its source-generated metadata.</summary>
    public static string Json<T>(T value, JsonTypeInfo<T> typeInfo) => Json(JsonSerializer.SerializeToElement(value, typeInfo));
}
