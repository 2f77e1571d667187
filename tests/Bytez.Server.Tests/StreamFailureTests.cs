using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using Bytez.Engine;
using Bytez.Protocol;
using Bytez.Testing;
using Microsoft.Extensions.DependencyInjection;
using static Bytez.Server.Tests.Http;

namespace Bytez.Server.Tests;

/// <summary>
/// What the stream says when a model fails after streaming began. The failing model is a collaborator made for the
/// test (a runtime and a pipeline registered next to the real ones); the server, its route and its streaming are real.
/// </summary>
public sealed class StreamFailureTests
{
    private const string Task = "test-failing-stream";
    private const string ModelId = "test/fails-midway";

    [Fact]
    public async Task Stream_FailureAfterTheFirstPiece_WritesErrorAndEnds()
    {
        await using var server = await TestServer.StartAsync(configure: builder =>
        {
            builder.Services.AddSingleton<IModelRuntime, FailingRuntime>();
            builder.Services.AddSingleton<ITaskPipeline, FailingPipeline>();
        });
        server.Services.GetRequiredService<ModelCatalog>().Add(new ModelDescriptor { Id = ModelId, Task = Task, Path = server.Home });
        using var client = server.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, ModelId) { Content = new StringContent("""{"input": "x", "stream": true}""", Encoding.UTF8, "application/json") };

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("first piece Error: the model broke down", text);
    }

    [Fact]
    public async Task Stream_FailureBeforeTheFirstPiece_IsAnEnvelope()
    {
        await using var server = await TestServer.StartAsync(configure: builder =>
        {
            builder.Services.AddSingleton<IModelRuntime, FailingRuntime>();
            builder.Services.AddSingleton<ITaskPipeline, FailingPipeline>();
        });
        server.Services.GetRequiredService<ModelCatalog>().Add(new ModelDescriptor { Id = ModelId, Task = Task, Path = server.Home });
        using var client = server.CreateHttpClient();

        var (status, body, _) = await PostAsync(client, ModelId, """{"input": "fail at once", "stream": true}""");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("refused before streaming", AssertErrorEnvelope(body));
    }

    private sealed class FailingRuntime : IModelRuntime
    {
        public string Name => "failing";

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

    private sealed class FailingPipeline : IStreamingTaskPipeline
    {
        public TaskContract Contract { get; } = new()
        {
            Tasks = [Task],
            InputKeys = ["input"],
            Parameters = [],
            Output = "text pieces",
            RepositoryFiles = [],
            SmokeRequest = static _ => new RunRequest(),
        };

        public ValueTask<TaskOutput> RunAsync(IModelInstance instance, RunRequest request, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public ValueTask<IAsyncEnumerable<string>> StartStreamAsync(IModelInstance instance, RunRequest request, CancellationToken cancellationToken) =>
            ValueTask.FromResult(Pieces(request.Input?.GetString() == "fail at once"));

        private static async IAsyncEnumerable<string> Pieces(bool atOnce, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await System.Threading.Tasks.Task.Yield();
            if (atOnce)
            {
                throw EngineException.BadInput("refused before streaming");
            }

            yield return "first piece ";
            await System.Threading.Tasks.Task.Delay(10, cancellationToken);
            throw EngineException.BadInput("the model broke down");
        }
    }
}
