using Bytez.Server.Hosting;

var app = BytezServer.Create(args);
await app.RunAsync();
