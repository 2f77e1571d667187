namespace Bytez.Engine.Tokenization.HuggingFace;

/// <summary>GPT-2's reversible map between the 256 byte values and printable Unicode characters.</summary>
internal static class ByteLevelMap
{
    /// <summary>The character that stands for each byte.</summary>
    public static readonly char[] ByteToChar = BuildByteToChar();

    /// <summary>The byte each character stands for, indexed by character (−1 where none); characters are all below 0x144.</summary>
    public static readonly short[] CharToByte = BuildCharToByte();

    private static char[] BuildByteToChar()
    {
        var map = new char[256];
        var n = 0;
        for (var b = 0; b < 256; b++)
        {
            var printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            map[b] = printable ? (char)b : (char)(256 + n++);
        }

        return map;
    }

    private static short[] BuildCharToByte()
    {
        var reverse = new short[512];
        Array.Fill(reverse, (short)-1);
        for (var b = 0; b < 256; b++)
        {
            reverse[ByteToChar[b]] = (short)b;
        }

        return reverse;
    }

    /// <summary>Maps text to its byte-level form: UTF-8 bytes, each shown as its character.</summary>
    public static string Encode(string text)
    {
        var count = System.Text.Encoding.UTF8.GetByteCount(text);
        return string.Create(count, text, static (span, source) =>
        {
            Span<byte> bytes = span.Length <= 512 ? stackalloc byte[span.Length] : new byte[span.Length];
            System.Text.Encoding.UTF8.GetBytes(source, bytes);
            for (var i = 0; i < bytes.Length; i++)
            {
                span[i] = ByteToChar[bytes[i]];
            }
        });
    }
}
