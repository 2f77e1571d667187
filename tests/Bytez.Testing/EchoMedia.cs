using Bytez.Engine;
using Bytez.Engine.Media;
using Bytez.Protocol;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Bytez.Testing;

/// <summary>
/// A collaborator fake for media outputs while no real media task exists: a task (<see cref="Task"/>) whose pipeline
/// reads its media input through the server's real <see cref="MediaReader"/> and answers a <see cref="MediaOutput"/>
/// of exactly those bytes, typed by the <c>params</c> <c>content_type</c> and <c>extension</c> (default
/// <c>image/png</c>, <c>png</c>); a runtime that loads a model of that task as an empty instance. Everything around
/// it (reader, fetcher, file store, routes, auth) is the real server.
/// </summary>
public static class EchoMedia
{
    /// <summary>The task name of the fake.</summary>
    public const string Task = "test-echo-media";

    /// <summary>The model id <see cref="AddModel"/> adds.</summary>
    public const string ModelId = "test/echo-media";

    /// <summary>Registers the fake runtime and pipeline next to the real ones.</summary>
    public static void Register(WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<IModelRuntime, Runtime>();
        builder.Services.AddSingleton<ITaskPipeline, Pipeline>();
    }

    /// <summary>Adds the fake model to a started server's catalog.</summary>
    public static void AddModel(TestServer server)
    {
        ArgumentNullException.ThrowIfNull(server);
        server.Services.GetRequiredService<ModelCatalog>().Add(new ModelDescriptor { Id = ModelId, Task = Task, Path = server.Home });
    }

    private sealed class Runtime : IModelRuntime
    {
        public string Name => "echo-media";

        public bool CanLoad(ModelDescriptor model) => model.Task == Task;

        public ValueTask<IModelInstance> LoadAsync(ModelDescriptor model, CancellationToken cancellationToken) =>
            ValueTask.FromResult<IModelInstance>(new Instance(model));

        private sealed class Instance(ModelDescriptor model) : IModelInstance
        {
            public ModelDescriptor Model { get; } = model;

            public void Dispose()
            {
            }
        }
    }

    private sealed class Pipeline(MediaReader reader) : ITaskPipeline
    {
        public TaskContract Contract { get; } = new()
        {
            Tasks = [Task],
            InputKeys = MediaReader.InputKeys,
            Parameters = [new("content_type", "string", "image/png", "the content type of the echo"), new("extension", "string", "png", "its file extension")],
            Output = "the media sent, as a file",
            RepositoryFiles = [],
            SmokeRequest = static _ => new RunRequest { Base64 = "AAAA" },
        };

        public async ValueTask<TaskOutput> RunAsync(IModelInstance instance, RunRequest request, CancellationToken cancellationToken)
        {
            var media = await reader.ReadAsync(request, Task, cancellationToken).ConfigureAwait(false);
            string? contentType = null, extension = null;
            foreach (var p in Bytez.Engine.Tasks.Arguments.Parameters(request.Params, Contract.ParameterNames, Task))
            {
                if (p.Name == "content_type")
                {
                    contentType = Bytez.Engine.Tasks.Arguments.String(p.Value, p.Name);
                }
                else
                {
                    extension = Bytez.Engine.Tasks.Arguments.String(p.Value, p.Name);
                }
            }

            return new MediaOutput(media.Data, contentType ?? "image/png", extension ?? "png");
        }
    }
}
