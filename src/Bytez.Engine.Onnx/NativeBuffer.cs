using System.Runtime.InteropServices;

namespace Bytez.Engine.Onnx;

/// <summary>
/// A block of native memory whose start is aligned, freed when disposed (or finalized). Used for model weights that
/// ONNX Runtime reads in place, so that their memory goes back to the system as soon as the model unloads.
/// </summary>
internal sealed class NativeBuffer : SafeHandle
{
    /// <summary>Allocates <paramref name="length"/> bytes (not zeroed) starting at a multiple of <paramref name="alignment"/>.</summary>
    /// <exception cref="OutOfMemoryException">The system has no block that large.</exception>
    public NativeBuffer(long length, int alignment)
        : base(IntPtr.Zero, ownsHandle: true)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfLessThan(alignment, 1);
        Length = length;
        SetHandle(Marshal.AllocHGlobal((nint)(length + alignment)));
        var misalignment = (long)handle % alignment;
        Address = handle + (nint)(misalignment == 0 ? 0 : alignment - misalignment);
    }

    /// <summary>The aligned start of the usable bytes.</summary>
    public nint Address { get; }

    /// <summary>The usable bytes from <see cref="Address"/>.</summary>
    public long Length { get; }

    /// <inheritdoc />
    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <inheritdoc />
    protected override bool ReleaseHandle()
    {
        Marshal.FreeHGlobal(handle);
        return true;
    }
}
