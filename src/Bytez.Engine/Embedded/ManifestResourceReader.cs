using System.Buffers.Binary;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace Bytez.Engine.Embedded;

/// <summary>
/// Reads manifest resources out of a .NET assembly file without loading the assembly: the metadata names each
/// resource and its offset inside the CLI resources directory, where it is stored as a 4-byte little-endian length
/// followed by the bytes.
/// </summary>
public static class ManifestResourceReader
{
    /// <summary>The names of the resources embedded in the assembly file.</summary>
    public static IReadOnlyList<string> GetResourceNames(string assemblyPath)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        var md = pe.GetMetadataReader();
        var names = new List<string>();
        foreach (var handle in md.ManifestResources)
        {
            var resource = md.GetManifestResource(handle);
            if (resource.Implementation.IsNil)
            {
                names.Add(md.GetString(resource.Name));
            }
        }

        return names;
    }

    /// <summary>
    /// Copies the named resource into <paramref name="destination"/>, streaming it from the file (never holding it
    /// all in memory). Returns the number of bytes copied.
    /// </summary>
    /// <exception cref="FileNotFoundException">The assembly has no embedded resource of that name.</exception>
    /// <exception cref="BadImageFormatException">The file is not a .NET assembly or the resource lies outside it.</exception>
    public static long CopyResource(string assemblyPath, string resourceName, Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        using var stream = new FileStream(assemblyPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        long start;
        using (var pe = new PEReader(stream, PEStreamOptions.LeaveOpen))
        {
            var md = pe.GetMetadataReader();
            long? offset = null;
            foreach (var handle in md.ManifestResources)
            {
                var resource = md.GetManifestResource(handle);
                if (resource.Implementation.IsNil && md.StringComparer.Equals(resource.Name, resourceName))
                {
                    offset = resource.Offset;
                    break;
                }
            }

            if (offset is null)
            {
                throw new FileNotFoundException($"The assembly has no embedded resource '{resourceName}'.", assemblyPath);
            }

            var directory = pe.PEHeaders.CorHeader?.ResourcesDirectory
                ?? throw new BadImageFormatException("The file has no CLI header.", assemblyPath);
            if (!pe.PEHeaders.TryGetDirectoryOffset(directory, out var directoryOffset))
            {
                throw new BadImageFormatException("The resources directory lies outside the file's sections.", assemblyPath);
            }

            start = directoryOffset + offset.Value;
        }

        Span<byte> prefix = stackalloc byte[4];
        stream.Position = start;
        stream.ReadExactly(prefix);
        long length = BinaryPrimitives.ReadUInt32LittleEndian(prefix);
        if (start + 4 + length > stream.Length)
        {
            throw new BadImageFormatException($"The resource '{resourceName}' runs past the end of the file.", assemblyPath);
        }

        var buffer = new byte[1 << 20];
        var remaining = length;
        while (remaining > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var read = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, remaining));
            if (read == 0)
            {
                throw new EndOfStreamException($"The resource '{resourceName}' was cut short.");
            }

            destination.Write(buffer, 0, read);
            remaining -= read;
        }

        return length;
    }

    /// <summary>Reads a small resource whole (for example a vocabulary).</summary>
    public static byte[] ReadResource(string assemblyPath, string resourceName)
    {
        using var memory = new MemoryStream();
        CopyResource(assemblyPath, resourceName, memory);
        return memory.ToArray();
    }
}
