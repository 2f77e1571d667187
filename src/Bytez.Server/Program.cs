using Bytez.Server.Hosting;

if (ServerHelp.TryWrite(args, Console.Out) is { } shown)
{
    return shown;
}

if (args is [AddModelCommand.Name, .. var rest])
{
    return AddModelCommand.Run(rest, Console.Out, Console.Error);
}

return await ServerRunner.RunAsync(args, Console.Error);
