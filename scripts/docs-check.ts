/**
 * The documentation check that `npm test` runs (`npm run docs:check`):
 *
 * 1. every export of a public module (`src/*.ts`, `src/node/*.ts`; not `internal/`, not the two CLI entry files)
 *    has a JSDoc comment with `@since` and `@category`, and every value export (function, constant, class) also has
 *    an `@example` with a ```ts block; each module starts with a JSDoc comment with `@since`;
 * 2. every ```ts block in those comments type-checks: the blocks are written to `build/doc-examples/` and compiled
 *    with the repository's tsconfig (as modules, unused locals allowed), so they import `effect-esim-access` like a
 *    user does.
 *
 * Prints each gap and each compile error with its place in `src/`, and exits with status 1 if there is any.
 */
import fs from "node:fs"
import path from "node:path"
import ts from "typescript"

const root = path.resolve(import.meta.dirname, "..")
const outDir = path.join(root, "build", "doc-examples")

/** The public modules: the entry points of the `exports` map. */
export const publicModules = (): ReadonlyArray<string> => {
  const list = (dir: string) =>
    fs.readdirSync(path.join(root, dir))
      .filter((name) => name.endsWith(".ts") && !name.endsWith(".d.ts"))
      .map((name) => `${dir}/${name}`)
  return [...list("src"), ...list("src/node")]
    .filter((file) => file !== "src/node/cli.ts" && file !== "src/node/simulator-cli.ts")
    .sort()
}

interface Example {
  readonly file: string
  readonly line: number
  readonly name: string
  readonly code: string
}

interface Gap {
  readonly file: string
  readonly line: number
  readonly name: string
  readonly missing: ReadonlyArray<string>
}

/** Every JSDoc comment before a statement (a module header and the statement's own one). */
const jsDocOf = (node: ts.Node): ReadonlyArray<ts.JSDoc> => (node as { readonly jsDoc?: Array<ts.JSDoc> }).jsDoc ?? []

const tagNames = (docs: ReadonlyArray<ts.JSDoc>): Set<string> =>
  new Set(docs.flatMap((doc) => (doc.tags ?? []).map((tag) => tag.tagName.text)))

const commentText = (comment: ts.JSDoc["comment"]): string =>
  comment === undefined ? "" : typeof comment === "string" ? comment : comment.map((part) => part.text).join("")

/** The ```ts blocks of a JSDoc comment, with the line of each in the source. */
const examplesIn = (source: ts.SourceFile, doc: ts.JSDoc): ReadonlyArray<{ line: number; code: string }> => {
  const text = source.text.slice(doc.getStart(source), doc.getEnd())
  const startLine = source.getLineAndCharacterOfPosition(doc.getStart(source)).line
  const lines = text.split("\n").map((line) => line.replace(/^\s*\*? ?/, "").replace(/\*\/\s*$/, ""))
  const found: Array<{ line: number; code: string }> = []
  let current: { line: number; body: Array<string> } | undefined
  lines.forEach((line, index) => {
    if (current === undefined) {
      if (/^```(ts|typescript)\b/.test(line.trim())) current = { line: startLine + index + 2, body: [] }
    } else if (line.trim() === "```") {
      found.push({ line: current.line, code: current.body.join("\n") })
      current = undefined
    } else {
      current.body.push(line)
    }
  })
  return found
}

interface Export {
  readonly name: string
  readonly node: ts.Node
  readonly kind: "value" | "constant" | "type" | "reexport"
}

/** `export const x = "text"` (or a number, or a template without substitutions): its value says it all. */
const isLiteral = (declaration: ts.VariableDeclaration): boolean => {
  let init = declaration.initializer
  while (init !== undefined && (ts.isAsExpression(init) || ts.isSatisfiesExpression(init))) init = init.expression
  return init !== undefined &&
    (ts.isStringLiteral(init) || ts.isNumericLiteral(init) || ts.isNoSubstitutionTemplateLiteral(init) ||
      (ts.isPrefixUnaryExpression(init) && ts.isNumericLiteral(init.operand)))
}

const hasExport = (node: ts.Node): boolean =>
  ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword)

/** Top-level exports; for overloads, the first signature carries the comment. */
const exportsOf = (source: ts.SourceFile): ReadonlyArray<Export> => {
  const seen = new Set<string>()
  const result: Array<Export> = []
  const add = (name: string, node: ts.Node, kind: Export["kind"]) => {
    if (seen.has(name)) return
    seen.add(name)
    result.push({ name, node, kind })
  }
  for (const statement of source.statements) {
    if (ts.isExportDeclaration(statement)) {
      if (statement.exportClause && ts.isNamespaceExport(statement.exportClause)) {
        add(statement.exportClause.name.text, statement, "reexport")
      } else if (statement.exportClause && ts.isNamedExports(statement.exportClause)) {
        for (const element of statement.exportClause.elements) add(element.name.text, statement, "reexport")
      } else {
        add(`* from ${(statement.moduleSpecifier as ts.StringLiteral).text}`, statement, "reexport")
      }
      continue
    }
    if (!hasExport(statement)) continue
    if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        if (ts.isIdentifier(declaration.name)) {
          add(declaration.name.text, statement, isLiteral(declaration) ? "constant" : "value")
        }
      }
    } else if (ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement)) {
      if (statement.name) add(statement.name.text, statement, "value")
    } else if (ts.isEnumDeclaration(statement)) {
      add(statement.name.text, statement, "value")
    } else if (ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement)) {
      add(statement.name.text, statement, "type")
    } else if (ts.isModuleDeclaration(statement)) {
      add(statement.name.getText(source), statement, "type")
    }
  }
  return result
}

export interface Report {
  readonly gaps: ReadonlyArray<Gap>
  readonly examples: ReadonlyArray<Example>
}

/** Reads the public modules: what lacks documentation, and every example. */
export const scan = (): Report => {
  const gaps: Array<Gap> = []
  const examples: Array<Example> = []
  for (const file of publicModules()) {
    const source = ts.createSourceFile(
      file,
      fs.readFileSync(path.join(root, file), "utf8"),
      ts.ScriptTarget.Latest,
      true
    )
    const lineOf = (node: ts.Node) => source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1
    // the module comment: the first JSDoc of the file (docgen's module header)
    const first = source.statements[0]
    const header = first ? jsDocOf(first)[0] : undefined
    if (header === undefined || !tagNames([header]).has("since")) {
      gaps.push({ file, line: 1, name: "(module)", missing: ["module comment with @since"] })
    }
    for (const item of exportsOf(source)) {
      const docs = jsDocOf(item.node)
      // a module header shares the first statement: the export's own comment is the last one
      const own = docs.length > 0 && !(item.node === first && docs.length === 1 && header !== undefined) ?
        [docs[docs.length - 1]!] :
        []
      const tags = tagNames(own)
      const missing: Array<string> = []
      if (own.length === 0) missing.push("JSDoc")
      if (!tags.has("since")) missing.push("@since")
      if (item.kind !== "reexport" && !tags.has("category")) missing.push("@category")
      const blocks = own.flatMap((doc) => examplesIn(source, doc))
      if (item.kind === "value" && (!tags.has("example") || blocks.length === 0)) missing.push("@example")
      if (own.length > 0 && commentText(own[0]!.comment).trim() === "" && item.kind !== "reexport") {
        missing.push("description")
      }
      if (missing.length > 0) gaps.push({ file, line: lineOf(item.node), name: item.name, missing })
      blocks.forEach((block) => examples.push({ file, line: block.line, name: item.name, code: block.code }))
    }
    if (header !== undefined) {
      examplesIn(source, header).forEach((block) =>
        examples.push({ file, line: block.line, name: "(module)", code: block.code })
      )
    }
  }
  return { gaps, examples }
}

/**
 * The ```ts blocks of the Markdown documents (README.md, CONTRIBUTING.md): each must compile on its own, as a user
 * pastes it. A block that shows output or a shell session uses another language tag (`sh`, `text`).
 */
export const markdownExamples = (files: ReadonlyArray<string> = ["README.md", "CONTRIBUTING.md"]) =>
  files.flatMap((file): ReadonlyArray<Example> => {
    const found: Array<Example> = []
    let current: { line: number; body: Array<string> } | undefined
    let heading = "(top)"
    fs.readFileSync(path.join(root, file), "utf8").split("\n").forEach((line, index) => {
      if (current === undefined) {
        if (/^#+ /.test(line)) heading = line.replace(/^#+ /, "")
        if (/^```(ts|typescript)\s*$/.test(line.trim())) current = { line: index + 2, body: [] }
      } else if (line.trim() === "```") {
        found.push({ file, line: current.line, name: heading, code: current.body.join("\n") })
        current = undefined
      } else {
        current.body.push(line)
      }
    })
    return found
  })

/** Writes the examples as modules and type-checks them with the repository's settings. */
export const compileExamples = (examples: ReadonlyArray<Example>): ReadonlyArray<string> => {
  fs.rmSync(outDir, { recursive: true, force: true })
  fs.mkdirSync(outDir, { recursive: true })
  const origin = new Map<string, Example>()
  const files = examples.map((example, index) => {
    const base = path.basename(example.file).replace(/\.ts$/, "").replace(/[^A-Za-z0-9]/g, "_")
    const name = path.join(outDir, `${base}.${example.name.replace(/[^A-Za-z0-9]/g, "_")}.${index}.ts`)
    fs.writeFileSync(name, `${example.code}\n\nexport {}\n`)
    origin.set(name, example)
    return name
  })
  const config = ts.getParsedCommandLineOfConfigFile(path.join(root, "tsconfig.json"), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"))
    }
  })!
  const program = ts.createProgram(files, {
    ...config.options,
    noEmit: true,
    noUnusedLocals: false,
    noUnusedParameters: false
  })
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n  ")
    if (diagnostic.file === undefined) return message
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0)
    const example = origin.get(path.resolve(diagnostic.file.fileName))
    return example === undefined ?
      `${path.relative(root, diagnostic.file.fileName)}:${line + 1}: ${message}` :
      `${example.file}:${example.line + line} (example of ${example.name}): ${message}`
  })
}

if (import.meta.main) {
  const started = Date.now()
  const { examples: jsDoc, gaps } = scan()
  const examples = [...jsDoc, ...markdownExamples()]
  for (const gap of gaps) console.log(`${gap.file}:${gap.line} ${gap.name}: missing ${gap.missing.join(", ")}`)
  const errors = compileExamples(examples)
  for (const error of errors) console.log(error)
  console.log(
    `docs: ${publicModules().length} modules, ${gaps.length} undocumented exports, ${examples.length} examples, ${errors.length} compile errors (${
      ((Date.now() - started) / 1000).toFixed(1)
    } s)`
  )
  if (gaps.length > 0 || errors.length > 0) process.exitCode = 1
}
