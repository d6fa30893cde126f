using System.Globalization;
using System.Text;

namespace Lifeboat.Tests.Server;

/// <summary>
/// A strict parser of the Prometheus text format 0.0.4 for tests: HELP then TYPE before a family's samples, each
/// family once, label values unescaped, histogram samples (_bucket, _sum, _count) under their family.
/// </summary>
internal sealed class PrometheusText
{
    public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

    public Dictionary<string, string> Types { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, string> Help { get; } = new(StringComparer.Ordinal);

    public List<Sample> Samples { get; } = [];

    public static PrometheusText Parse(string text)
    {
        var result = new PrometheusText();
        string? current = null;
        var lines = text.Split('\n');
        Assert.Equal("", lines[^1]);
        foreach (var line in lines[..^1])
        {
            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                var rest = line["# HELP ".Length..];
                var name = rest[..rest.IndexOf(' ')];
                Assert.False(result.Help.ContainsKey(name), $"HELP of {name} twice");
                result.Help[name] = rest[(name.Length + 1)..];
                current = name;
            }
            else if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                Assert.Equal(4, parts.Length);
                Assert.Equal(current, parts[2]);
                Assert.Contains(parts[3], new[] { "counter", "gauge", "histogram", "summary", "untyped" });
                Assert.False(result.Types.ContainsKey(parts[2]), $"TYPE of {parts[2]} twice");
                result.Types[parts[2]] = parts[3];
            }
            else
            {
                Assert.False(line.StartsWith('#'), $"unexpected comment: {line}");
                var sample = ParseSample(line);
                var family = result.Types.GetValueOrDefault(current!) == "histogram"
                    ? current
                    : sample.Name;
                Assert.Equal(current, family);
                if (result.Types[current!] == "histogram")
                {
                    Assert.Contains(sample.Name, new[] { current + "_bucket", current + "_sum", current + "_count" });
                }
                result.Samples.Add(sample);
            }
        }
        return result;
    }

    /// <summary>The value of the one sample named <paramref name="name"/> with exactly these labels.</summary>
    public double Value(string name, params (string Key, string Value)[] labels)
    {
        var matches = Samples.Where(s => s.Name == name && s.Labels.Count == labels.Length && labels.All(l => s.Labels.GetValueOrDefault(l.Key) == l.Value)).ToList();
        Assert.True(matches.Count == 1, $"{matches.Count} samples of {name} with {string.Join(",", labels)}");
        return matches[0].Value;
    }

    public bool Has(string name, string component) => Samples.Any(s => s.Name == name && s.Labels.GetValueOrDefault("component") == component);

    private static Sample ParseSample(string line)
    {
        var i = 0;
        while (i < line.Length && (char.IsAsciiLetterOrDigit(line[i]) || line[i] is '_' or ':'))
        {
            i++;
        }
        var name = line[..i];
        Assert.NotEmpty(name);
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (i < line.Length && line[i] == '{')
        {
            i++;
            while (line[i] != '}')
            {
                var eq = line.IndexOf('=', i);
                var key = line[i..eq];
                Assert.Equal('"', line[eq + 1]);
                i = eq + 2;
                var value = new StringBuilder();
                while (line[i] != '"')
                {
                    if (line[i] == '\\')
                    {
                        i++;
                        value.Append(line[i] switch
                        {
                            'n' => '\n',
                            '\\' => '\\',
                            '"' => '"',
                            var other => throw new FormatException($"bad escape \\{other} in {line}"),
                        });
                    }
                    else
                    {
                        Assert.NotEqual('\n', line[i]);
                        value.Append(line[i]);
                    }
                    i++;
                }
                Assert.True(labels.TryAdd(key, value.ToString()), $"label {key} twice in {line}");
                i++;
                if (line[i] == ',')
                {
                    i++;
                }
            }
            i++;
        }
        Assert.Equal(' ', line[i]);
        var text = line[(i + 1)..];
        var number = text switch
        {
            "+Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            "NaN" => double.NaN,
            _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
        };
        return new Sample(name, labels, number);
    }
}
