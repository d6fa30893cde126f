using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Lifeboat.Server.Metrics;

/// <summary>
/// Writes the Prometheus text exposition format 0.0.4: per metric family a <c># HELP</c> and a <c># TYPE</c> line,
/// then its samples, label values escaped (backslash, double quote, line feed).
/// </summary>
public sealed partial class PrometheusTextWriter(TextWriter output)
{
    /// <summary>The Content-Type of this format.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>Starts a family: its HELP and TYPE lines. <paramref name="type"/> is counter, gauge, histogram or untyped.</summary>
    public void Family(string name, string type, string help)
    {
        CheckName(name);
        output.Write($"# HELP {name} {EscapeHelp(help)}\n");
        output.Write($"# TYPE {name} {type}\n");
    }

    /// <summary>Writes one sample.</summary>
    public void Sample(string name, IEnumerable<KeyValuePair<string, string>> labels, double value)
    {
        CheckName(name);
        var line = new StringBuilder(name);
        var first = true;
        foreach (var (key, text) in labels)
        {
            if (!LabelName().IsMatch(key))
            {
                throw new ArgumentException($"'{key}' is not a valid Prometheus label name");
            }
            line.Append(first ? '{' : ',').Append(key).Append("=\"").Append(EscapeLabelValue(text)).Append('"');
            first = false;
        }
        if (!first)
        {
            line.Append('}');
        }
        line.Append(' ').Append(FormatValue(value)).Append('\n');
        output.Write(line.ToString());
    }

    /// <summary>A sample value as the format spells it (<c>+Inf</c>, <c>-Inf</c>, <c>NaN</c>, else the shortest round-trip form).</summary>
    public static string FormatValue(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        _ when double.IsNaN(value) => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    /// <summary>Escapes a label value: <c>\</c>, <c>"</c> and line feed.</summary>
    public static string EscapeLabelValue(string value) => value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");

    private static string EscapeHelp(string help) => help.Replace("\\", "\\\\").Replace("\n", "\\n");

    private static void CheckName(string name)
    {
        if (!MetricName().IsMatch(name))
        {
            throw new ArgumentException($"'{name}' is not a valid Prometheus metric name");
        }
    }

    [GeneratedRegex("^[a-zA-Z_:][a-zA-Z0-9_:]*$")]
    private static partial Regex MetricName();

    [GeneratedRegex("^[a-zA-Z_][a-zA-Z0-9_]*$")]
    private static partial Regex LabelName();
}
