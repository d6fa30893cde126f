using Lifeboat.Plan;

namespace Lifeboat.Tests.Plan;

/// <summary>Every plan in examples/ is valid; only kinds this build lacks may be reported, and nothing else.</summary>
public sealed class ExamplePlanTests
{
    private static string Examples()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Lifeboat.slnx")))
        {
            directory = directory.Parent;
        }
        return Path.Combine(directory?.FullName ?? throw new DirectoryNotFoundException("the source tree (Lifeboat.slnx) was not found"), "examples");
    }

    private static List<string> Names() => [.. Directory.GetDirectories(Examples()).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)];

    public static TheoryData<string> Plans() => [.. Names()];

    [Theory]
    [MemberData(nameof(Plans))]
    public void The_example_plan_is_valid_apart_from_kinds_missing_from_this_build(string name)
    {
        var file = Path.Combine(Examples(), name, PlanLoader.DefaultFileName);
        var (plan, errors) = PlanLoader.Parse(File.ReadAllText(file), file, Lifeboat.Cli.PlanKinds.Create());
        Assert.All(errors, e => Assert.Contains("is not available in this build", e.Message, StringComparison.Ordinal));
        Assert.True(plan is not null || errors.Count > 0);
    }

    [Fact]
    public void Every_seed_system_and_the_quickstart_have_an_example() =>
        Assert.Equal(["data-pipeline", "optimal-build", "quickstart", "rendiff", "syncwatch", "transcode"], Names());

    [Fact]
    public void The_quickstart_plan_runs_in_this_build()
    {
        var file = Path.Combine(Examples(), "quickstart", PlanLoader.DefaultFileName);
        var plan = PlanLoader.Load(file, Lifeboat.Cli.PlanKinds.Create());
        Assert.Equal(["app-db", "site"], plan.Components.Select(c => c.Name));
    }
}
