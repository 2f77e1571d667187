using System.Runtime.CompilerServices;
using System.Text;

namespace Bytez.Engine.Templating;

internal enum Flow
{
    Normal,
    Break,
    Continue,
}

internal abstract class Node
{
    public int Line { get; init; }

    public int Column { get; init; }
}

// ---------------------------------------------------------------- expressions

internal abstract class Expr : Node
{
    public abstract object? Eval(RenderContext ctx);

    /// <summary>
    /// Fails before the stack runs out: chains the parser builds in a loop (<c>a + b + ...</c>, <c>x|f|f...</c>,
    /// <c>a.b.c...</c>) are as deep as they are long, so their evaluation checks the stack it has left.
    /// </summary>
    protected static void EnsureStack(RenderContext ctx)
    {
        if (!RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            throw new TemplateException(TemplateLimit.Depth, ctx.Budget.MaxDepth);
        }
    }
}

internal sealed class ConstExpr(object? value) : Expr
{
    public object? Value { get; } = value;

    public override object? Eval(RenderContext ctx) => Value;
}

internal sealed class NameExpr(string name) : Expr
{
    public string Name { get; } = name;

    public override object? Eval(RenderContext ctx) => ctx.Resolve(Name);
}

internal sealed class ListExpr(List<Expr> items, bool isTuple) : Expr
{
    public List<Expr> Items { get; } = items;

    public bool IsTuple { get; } = isTuple;

    public override object? Eval(RenderContext ctx)
    {
        var values = Items.Select(i => i.Eval(ctx)).ToList();
        return IsTuple ? new TupleValue(values) : values;
    }
}

internal sealed class DictExpr(List<(Expr Key, Expr Value)> items) : Expr
{
    public override object? Eval(RenderContext ctx)
    {
        var d = new OrderedDictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (k, v) in items)
        {
            var key = k.Eval(ctx);
            d[key as string ?? Py.Str(key)] = v.Eval(ctx);
        }

        return d;
    }
}

internal sealed class GetAttrExpr(Expr target, string name) : Expr
{
    public override object? Eval(RenderContext ctx)
    {
        EnsureStack(ctx);
        return Ops.GetAttr(target.Eval(ctx), name);
    }
}

internal sealed class GetItemExpr(Expr target, Expr key) : Expr
{
    public override object? Eval(RenderContext ctx)
    {
        EnsureStack(ctx);
        return Ops.GetItem(target.Eval(ctx), key.Eval(ctx));
    }
}

internal sealed class SliceExpr(Expr target, Expr? start, Expr? stop, Expr? step) : Expr
{
    public override object? Eval(RenderContext ctx)
    {
        EnsureStack(ctx);
        return Ops.Slice(target.Eval(ctx), start?.Eval(ctx), stop?.Eval(ctx), step?.Eval(ctx));
    }
}

internal sealed record ArgExprs(List<Expr> Positional, List<(string Name, Expr Value)> Named)
{
    public CallArgs Eval(RenderContext ctx)
        => new([.. Positional.Select(p => p.Eval(ctx))], [.. Named.Select(n => new KeyValuePair<string, object?>(n.Name, n.Value.Eval(ctx)))]);
}

internal sealed class CallExpr(Expr callee, ArgExprs args) : Expr
{
    public Expr Callee { get; } = callee;

    public ArgExprs Args { get; } = args;

    public override object? Eval(RenderContext ctx)
    {
        EnsureStack(ctx);
        return Ops.Call(ctx, Callee.Eval(ctx), Args.Eval(ctx));
    }
}

internal sealed class FilterExpr(Expr? target, string name, FilterFunction filter, ArgExprs args) : Expr
{
    public Expr? Target { get; } = target;

    /// <summary>Applies the filter to a value computed elsewhere (filter blocks, set blocks).</summary>
    public object? Apply(RenderContext ctx, object? value)
    {
        if (value is Undefined u && name is "tojson" or "int" or "float" or "abs" or "round" or "dictsort")
        {
            throw u.Fail();
        }

        ctx.Budget.Step();
        return filter(ctx, value, args.Eval(ctx));
    }

    public override object? Eval(RenderContext ctx)
    {
        EnsureStack(ctx);
        return Apply(ctx, Target!.Eval(ctx));
    }
}

internal sealed class TestExpr(Expr target, TestFunction test, ArgExprs args, bool negated) : Expr
{
    public override object? Eval(RenderContext ctx)
    {
        EnsureStack(ctx);
        return test(ctx, target.Eval(ctx), args.Eval(ctx)) != negated;
    }
}

internal sealed class UnaryExpr(string op, Expr operand) : Expr
{
    public override object? Eval(RenderContext ctx)
    {
        var v = operand.Eval(ctx);
        return op switch
        {
            "not" => !Py.Truthy(v),
            "-" => v switch
            {
                long l => (object)(-l),
                double d => -d,
                bool b => b ? -1L : 0L,
                Undefined u => throw u.Fail(),
                _ => throw Py.Error($"bad operand type for unary -: '{Py.TypeName(v)}'"),
            },
            _ => v is Undefined u2 ? throw u2.Fail() : Py.IsNumber(v) ? v : throw Py.Error($"bad operand type for unary +: '{Py.TypeName(v)}'"),
        };
    }
}

internal sealed class BinaryExpr(string op, Expr left, Expr right) : Expr
{
    public override object? Eval(RenderContext ctx)
    {
        EnsureStack(ctx);
        switch (op)
        {
            case "and":
                {
                    var l = left.Eval(ctx);
                    return Py.Truthy(l) ? right.Eval(ctx) : l;
                }

            case "or":
                {
                    var l = left.Eval(ctx);
                    return Py.Truthy(l) ? l : right.Eval(ctx);
                }

            default:
                return Ops.Binary(op, left.Eval(ctx), right.Eval(ctx));
        }
    }
}

internal sealed class ConcatExpr(List<Expr> parts) : Expr
{
    public override object? Eval(RenderContext ctx)
    {
        var strings = new string[parts.Count];
        long length = 0;
        for (var i = 0; i < parts.Count; i++)
        {
            strings[i] = Py.Str(parts[i].Eval(ctx));
            length += strings[i].Length;
            ctx.Budget.Size(length);
        }

        ctx.Budget.Allocate(length);

        return string.Concat(strings);
    }
}

internal sealed class CompareExpr(Expr first, List<(string Op, Expr Operand)> rest) : Expr
{
    public override object? Eval(RenderContext ctx)
    {
        var left = first.Eval(ctx);
        foreach (var (op, expr) in rest)
        {
            var right = expr.Eval(ctx);
            var ok = op switch
            {
                "==" => Py.Equal(left, right),
                "!=" => !Py.Equal(left, right),
                "<" => Py.Compare(left, right, op) < 0,
                "<=" => Py.Compare(left, right, op) <= 0,
                ">" => Py.Compare(left, right, op) > 0,
                ">=" => Py.Compare(left, right, op) >= 0,
                "in" => Py.Contains(right, left),
                _ => !Py.Contains(right, left),
            };
            if (!ok)
            {
                return false;
            }

            left = right;
        }

        return true;
    }
}

internal sealed class CondExpr(Expr test, Expr then, Expr? otherwise) : Expr
{
    public override object? Eval(RenderContext ctx)
        => Py.Truthy(test.Eval(ctx)) ? then.Eval(ctx)
            : otherwise is null ? new Undefined("the inline if-expression evaluated to false and no else section was defined.")
            : otherwise.Eval(ctx);
}

// ---------------------------------------------------------------- assignment targets

internal abstract class Target : Node
{
    public abstract void Assign(RenderContext ctx, object? value);
}

internal sealed class NameTarget(string name) : Target
{
    public string Name { get; } = name;

    public override void Assign(RenderContext ctx, object? value) => ctx.Frame.Variables[Name] = value;
}

internal sealed class NamespaceTarget(string name, string attribute) : Target
{
    public override void Assign(RenderContext ctx, object? value)
    {
        if (ctx.Resolve(name) is not Namespace ns)
        {
            throw Py.Error("cannot assign attribute on non-namespace object");
        }

        ns.Attributes[attribute] = value;
    }
}

internal sealed class TupleTarget(List<Target> items) : Target
{
    public override void Assign(RenderContext ctx, object? value)
    {
        var values = Py.ToList(value);
        if (values.Count != items.Count)
        {
            throw Py.Error(values.Count > items.Count
                ? $"too many values to unpack (expected {items.Count})"
                : $"not enough values to unpack (expected {items.Count}, got {values.Count})");
        }

        for (var i = 0; i < items.Count; i++)
        {
            items[i].Assign(ctx, Py.Normalize(values[i]));
        }
    }
}

// ---------------------------------------------------------------- statements

internal abstract class Stmt : Node
{
    public abstract Flow Exec(RenderContext ctx, StringBuilder output);

    public static Flow ExecAll(List<Stmt> body, RenderContext ctx, StringBuilder output)
    {
        if (!RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            throw new TemplateException(TemplateLimit.Depth, ctx.Budget.MaxDepth);
        }

        foreach (var stmt in body)
        {
            ctx.Budget.Step();
            Flow flow;
            try
            {
                flow = stmt.Exec(ctx, output);
            }
            catch (TemplateException e) when (e.Line == 0 && e.Kind == TemplateErrorKind.Render)
            {
                throw new TemplateException(e.Kind, e.Reason, stmt.Line, stmt.Column, e);
            }

            if (flow != Flow.Normal)
            {
                return flow;
            }
        }

        return Flow.Normal;
    }

    /// <summary>Appends to an output (the render's, or a captured block's) within the size limit.</summary>
    protected static void Emit(RenderContext ctx, StringBuilder output, string text)
    {
        ctx.Budget.Size((long)output.Length + text.Length);
        ctx.Budget.Allocate(text.Length);
        output.Append(text);
    }
}

internal sealed class TextStmt(string text) : Stmt
{
    public override Flow Exec(RenderContext ctx, StringBuilder output)
    {
        Emit(ctx, output, text);
        return Flow.Normal;
    }
}

internal sealed class PrintStmt(Expr expr) : Stmt
{
    public override Flow Exec(RenderContext ctx, StringBuilder output)
    {
        Emit(ctx, output, Py.Str(expr.Eval(ctx)));
        return Flow.Normal;
    }
}

internal sealed class IfStmt(List<(Expr Test, List<Stmt> Body)> branches, List<Stmt>? otherwise) : Stmt
{
    public override Flow Exec(RenderContext ctx, StringBuilder output)
    {
        foreach (var (test, body) in branches)
        {
            if (Py.Truthy(test.Eval(ctx)))
            {
                return ExecAll(body, ctx, output);
            }
        }

        return otherwise is null ? Flow.Normal : ExecAll(otherwise, ctx, output);
    }
}

internal sealed class ForStmt(Target target, Expr iterable, Expr? filter, List<Stmt> body, List<Stmt>? otherwise) : Stmt
{
    public override Flow Exec(RenderContext ctx, StringBuilder output)
    {
        var source = iterable.Eval(ctx);
        if (source is null)
        {
            throw Py.Error("'NoneType' object is not iterable");
        }

        var items = Py.Iterate(source).Select(Py.Normalize).ToList();
        var outer = ctx.Frame;
        if (filter is not null)
        {
            var kept = new List<object?>();
            foreach (var item in items)
            {
                ctx.Budget.Step();
                ctx.Frame = new Frame(outer);
                try
                {
                    target.Assign(ctx, item);
                    if (Py.Truthy(filter.Eval(ctx)))
                    {
                        kept.Add(item);
                    }
                }
                finally
                {
                    ctx.Frame = outer;
                }
            }

            items = kept;
        }

        if (items.Count == 0)
        {
            return otherwise is null ? Flow.Normal : ExecAll(otherwise, ctx, output);
        }

        var loop = new LoopContext(items);
        try
        {
            for (var i = 0; i < items.Count; i++)
            {
                ctx.Budget.Step();
                loop.Index0 = i;
                ctx.Frame = new Frame(outer);
                ctx.Frame.Variables["loop"] = loop;
                target.Assign(ctx, items[i]);
                if (ExecAll(body, ctx, output) == Flow.Break)
                {
                    break;
                }
            }
        }
        finally
        {
            ctx.Frame = outer;
        }

        return Flow.Normal;
    }
}

internal sealed class LoopControlStmt(Flow flow) : Stmt
{
    public override Flow Exec(RenderContext ctx, StringBuilder output) => flow;
}

internal sealed class SetStmt(Target target, Expr value) : Stmt
{
    public override Flow Exec(RenderContext ctx, StringBuilder output)
    {
        target.Assign(ctx, value.Eval(ctx));
        return Flow.Normal;
    }
}

internal sealed class SetBlockStmt(Target target, List<FilterExpr> filters, List<Stmt> body) : Stmt
{
    public override Flow Exec(RenderContext ctx, StringBuilder output)
    {
        var captured = new StringBuilder();
        ExecAll(body, ctx, captured);
        object? value = captured.ToString();
        foreach (var f in filters)
        {
            value = f.Apply(ctx, value);
        }

        target.Assign(ctx, value);
        return Flow.Normal;
    }
}

internal sealed class FilterBlockStmt(List<FilterExpr> filters, List<Stmt> body) : Stmt
{
    public override Flow Exec(RenderContext ctx, StringBuilder output)
    {
        var captured = new StringBuilder();
        var outer = ctx.Frame;
        ctx.Frame = new Frame(outer);
        try
        {
            ExecAll(body, ctx, captured);
        }
        finally
        {
            ctx.Frame = outer;
        }

        object? value = captured.ToString();
        foreach (var f in filters)
        {
            value = f.Apply(ctx, value);
        }

        Emit(ctx, output, Py.Str(value));
        return Flow.Normal;
    }
}

internal sealed class ScopeStmt(List<(Target Target, Expr Value)> assignments, List<Stmt> body) : Stmt
{
    public override Flow Exec(RenderContext ctx, StringBuilder output)
    {
        var outer = ctx.Frame;
        var values = assignments.Select(a => a.Value.Eval(ctx)).ToList();
        ctx.Frame = new Frame(outer);
        try
        {
            for (var i = 0; i < assignments.Count; i++)
            {
                assignments[i].Target.Assign(ctx, values[i]);
            }

            return ExecAll(body, ctx, output);
        }
        finally
        {
            ctx.Frame = outer;
        }
    }
}

/// <summary>A block whose body renders in place: <c>{% generation %}</c> (transformers' assistant mask marker).</summary>
internal sealed class PassThroughStmt(List<Stmt> body) : Stmt
{
    public override Flow Exec(RenderContext ctx, StringBuilder output) => ExecAll(body, ctx, output);
}

internal sealed class MacroParam(string name, Expr? defaultValue)
{
    public string Name { get; } = name;

    public Expr? Default { get; } = defaultValue;
}

internal sealed class MacroValue(string name, List<MacroParam> parameters, List<Stmt> body, Frame closure, ICallableValue? caller) : ICallableValue
{
    public string Name { get; } = name;

    public object? Call(RenderContext context, CallArgs args)
    {
        if (args.Positional.Count > parameters.Count)
        {
            throw Py.Error($"macro '{Name}' takes not more than {parameters.Count} argument(s)");
        }

        context.Budget.Descend();
        var frame = new Frame(closure);
        var previous = context.Frame;
        context.Frame = frame;
        try
        {
            for (var i = 0; i < parameters.Count; i++)
            {
                var p = parameters[i];
                if (i < args.Positional.Count)
                {
                    frame.Variables[p.Name] = args.Positional[i];
                }
                else if (args.Named.FindIndex(n => n.Key == p.Name) is var k && k >= 0)
                {
                    frame.Variables[p.Name] = args.Named[k].Value;
                }
                else
                {
                    frame.Variables[p.Name] = p.Default is null ? new Undefined($"parameter '{p.Name}' was not provided") : p.Default.Eval(context);
                }
            }

            foreach (var (k, _) in args.Named)
            {
                if (k != "caller" && !parameters.Exists(p => p.Name == k))
                {
                    throw Py.Error($"macro '{Name}' takes no keyword argument '{k}'");
                }
            }

            if (caller is not null)
            {
                frame.Variables["caller"] = caller;
            }
            else if (args.Named.FindIndex(n => n.Key == "caller") is var c && c >= 0)
            {
                frame.Variables["caller"] = args.Named[c].Value;
            }

            var output = new StringBuilder();
            Stmt.ExecAll(body, context, output);
            return output.ToString();
        }
        finally
        {
            context.Budget.Leave();
            context.Frame = previous;
        }
    }

    public MacroValue WithCaller(ICallableValue newCaller) => new(Name, parameters, body, closure, newCaller);
}

internal sealed class MacroStmt(string name, List<MacroParam> parameters, List<Stmt> body) : Stmt
{
    public override Flow Exec(RenderContext ctx, StringBuilder output)
    {
        ctx.Frame.Variables[name] = new MacroValue(name, parameters, body, ctx.Frame, null);
        return Flow.Normal;
    }
}

internal sealed class CallBlockStmt(CallExpr call, List<MacroParam> callerParams, List<Stmt> body) : Stmt
{
    public override Flow Exec(RenderContext ctx, StringBuilder output)
    {
        var caller = new MacroValue("caller", callerParams, body, ctx.Frame, null);
        var callee = call.Callee.Eval(ctx);
        var args = call.Args.Eval(ctx);
        var result = callee is MacroValue m
            ? m.WithCaller(caller).Call(ctx, args)
            : Ops.Call(ctx, callee, new CallArgs(args.Positional, [.. args.Named, new("caller", caller)]));
        Emit(ctx, output, Py.Str(result));
        return Flow.Normal;
    }
}
