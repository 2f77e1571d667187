using System.Net;
using Bytez.Server.Usage;
using Bytez.Testing;
using static Bytez.Server.Tests.Http;

namespace Bytez.Server.Tests.Usage;

/// <summary>The <c>meter</c> and <c>meterPrice</c> of the model lists from <c>Bytez:Metering:Tiers</c>.</summary>
public sealed class MeteringOptionsTests
{
    [Fact]
    public async Task ListModels_WithTiers_ShowsEachModelsTierAndPriceInTheHostedFormat()
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?>
        {
            ["Bytez:Metering:Tiers:0:MaxParams"] = "0.0225",
            ["Bytez:Metering:Tiers:0:Meter"] = "tiny",
            ["Bytez:Metering:Tiers:0:MeterPrice"] = "0.0000045",
            ["Bytez:Metering:Tiers:1:MaxRamGb"] = "16",
            ["Bytez:Metering:Tiers:1:Meter"] = "micro",
            ["Bytez:Metering:Tiers:1:MeterPrice"] = "0.0000872083",
        });
        using var client = server.CreateHttpClient();

        var (status, body, _) = await GetAsync(client, "list/models");

        Assert.Equal(HttpStatusCode.OK, status);
        var models = AssertOutput(body).EnumerateArray().ToList();
        Assert.NotEmpty(models);
        Assert.Contains(models, m => m.GetProperty("meter").GetString() == "tiny");
        Assert.Contains(models, m => m.GetProperty("meter").GetString() == "micro");
        foreach (var model in models)
        {
            var tiny = model.GetProperty("params").GetDouble() <= 0.0225;
            Assert.Equal(tiny ? "tiny" : "micro", model.GetProperty("meter").GetString());
            Assert.Equal(tiny ? "0.0000045 / sec" : "0.0000872083 / sec", model.GetProperty("meterPrice").GetString());
        }

        var (_, v1, _) = await GetAsync(client, "/model/list");
        Assert.Equal(
            models.Select(m => (m.GetProperty("modelId").GetString(), m.GetProperty("meterPrice").GetString())).Order(),
            v1.EnumerateArray().Select(m => (m.GetProperty("modelId").GetString(), m.GetProperty("meterPrice").GetString())).Order());
    }

    [Theory]
    [InlineData(0.0000872083, "0.0000872083 / sec")]
    [InlineData(0, "0 / sec")]
    [InlineData(0.00036, "0.00036 / sec")]
    [InlineData(1.5, "1.5 / sec")]
    public void PriceText_IsTheHostedServicesString(double price, string expected) =>
        Assert.Equal(expected, MeteringOptions.PriceText((decimal)price));

    [Fact]
    public void For_WithoutTiers_GivesTheHostedSizeClassAtPriceZero()
    {
        var options = new MeteringOptions();

        Assert.Equal(("micro-lm", 0m, "0 / sec"), options.For(4, 1.5, "chat"));
        Assert.Equal(("sm", 0m, "0 / sec"), options.For(30, 8, "feature-extraction"));
    }

    [Fact]
    public void For_TakesTheFirstTierThatFits_AndFallsBackWhenNoneDoes()
    {
        var options = new MeteringOptions();
        options.Tiers.Add(new MeterTier { MaxRamGb = 2, MaxParams = 0.5, Meter = "small", MeterPrice = 0.00001m });
        options.Tiers.Add(new MeterTier { MaxRamGb = 20, Meter = "medium", MeterPrice = 0.0001m });

        Assert.Equal("small", options.For(1, 0.4, "chat").Meter);
        Assert.Equal("medium", options.For(1, 0.6, "chat").Meter);   // over the first tier's parameters
        Assert.Equal(("xl-lm", 0m), options.For(300, 70, "chat") is var big ? (big.Meter, big.PricePerSecond) : default);
    }

    [Theory]
    [InlineData("", "0.1", "Meter")]
    [InlineData("x", "-1", "MeterPrice")]
    public void Validate_RefusesAnIncompleteTier_NamingTheOption(string meter, string price, string expected)
    {
        var options = new MeteringOptions();
        options.Tiers.Add(new MeterTier { Meter = meter, MeterPrice = decimal.Parse(price, System.Globalization.CultureInfo.InvariantCulture) });

        var error = Assert.Throws<InvalidOperationException>(options.Validate);

        Assert.Contains("Bytez:Metering:Tiers:0", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
