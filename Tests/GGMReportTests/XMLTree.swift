import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// The rendered page parsed as XML: a flat list of elements with their parents,
/// so tests can ask for "elements of class X inside element Y" like CSS selectors.
final class XMLTree: NSObject, XMLParserDelegate {
    struct Element {
        var name: String
        var attributes: [String: String]
        var parent: Int?
        var text: String = ""

        var classes: [String] { (attributes["class"] ?? "").split(separator: " ").map(String.init) }
        func hasClass(_ c: String) -> Bool { classes.contains(c) }
    }

    private(set) var elements: [Element] = []
    private var stack: [Int] = []
    private(set) var error: Error?

    /// Parses `markup`; `nil` if it is not well-formed XML.
    static func parse(_ markup: String) -> XMLTree? {
        let tree = XMLTree()
        let parser = XMLParser(data: Data(markup.utf8))
        parser.delegate = tree
        parser.shouldProcessNamespaces = false
        guard parser.parse() else { return nil }
        return tree
    }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
        elements.append(Element(name: elementName, attributes: attributeDict, parent: stack.last))
        stack.append(elements.count - 1)
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        stack.removeLast()
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        // Text belongs to every open element (like textContent).
        for k in stack { elements[k].text += string }
    }

    func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) {
        error = parseError
    }

    /// Indices of elements matching `name` (or any name) and class (or any class).
    func select(_ name: String? = nil, class c: String? = nil, inside ancestor: Int? = nil) -> [Int] {
        elements.indices.filter { k in
            let e = elements[k]
            if let name, e.name != name { return false }
            if let c, !e.hasClass(c) { return false }
            if let ancestor, !isDescendant(k, of: ancestor) { return false }
            return true
        }
    }

    func isDescendant(_ k: Int, of ancestor: Int) -> Bool {
        var p = elements[k].parent
        while let q = p {
            if q == ancestor { return true }
            p = elements[q].parent
        }
        return false
    }

    subscript(_ k: Int) -> Element { elements[k] }
}
