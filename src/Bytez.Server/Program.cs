using Bytez.Engine.Scheduling;
using Bytez.Server.Hosting;

// First, before threads allocate: few C heap arenas, so native memory freed when models unload leaves the process
// (MALLOC_ARENA_MAX overrides it; see docs/configuration.md).
MemoryReclaimer.LimitMallocArenas(MemoryReclaimer.DefaultMallocArenas);

if (ServerHelp.TryWrite(args, Console.Out) is { } shown)
{
    return shown;
}

if (args is [AddModelCommand.Name, .. var rest])
{
    return AddModelCommand.Run(rest, Console.Out, Console.Error);
}

return await ServerRunner.RunAsync(args, Console.Error);
