using Bytez.Server.Hosting;

if (args is [AddModelCommand.Name, .. var rest])
{
    return AddModelCommand.Run(rest, Console.Out, Console.Error);
}

var app = BytezServer.Create(args);
await app.RunAsync();
return 0;
