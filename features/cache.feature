@cache
Feature: Pages are served by nginx straight from memcached
  In order to serve every reader quickly and cheaply
  As the publisher
  I want each public page rendered once by Django, then served by nginx from memcached

  Background:
    Given a published post "Hello world" at "/blog/hello-world/"

  Rule: A page is stored under md5 of nginx's host and URI, and served from memcached

    Scenario: The first visit renders the page and stores it under nginx's key
      When a reader visits "/blog/hello-world/"
      Then the page is rendered by Django
      And memcached holds the page under md5 of the host and "/blog/hello-world/"

    Scenario: The next visit is served from memcached, unchanged
      Given a reader has visited "/blog/hello-world/"
      When another reader visits "/blog/hello-world/"
      Then the page is served from memcached
      And the reader sees the same page as the first reader

    Scenario: A page its query string selects is stored under it
      Given a reader has visited "/?page=1"
      When another reader visits "/?page=1"
      Then the page is served from memcached
      And memcached holds the page under md5 of the host and "/?page=1"

    Scenario: The host in the key is lowercased and has no port
      When a reader visits "/blog/hello-world/" on host "LocalHost"
      Then memcached holds the page under md5 of "localhost" and "/blog/hello-world/"

    Scenario: A page from memcached carries the headers of the rendered page
      Given a reader has visited "/blog/hello-world/"
      When another reader visits "/blog/hello-world/"
      Then the page is served from memcached
      And the page carries the same security headers as the rendered page

    Scenario: For a second after memcached served a page, nginx serves it from its first level
      Given readers have seen "/blog/hello-world/" served from memcached
      When another reader visits "/blog/hello-world/"
      Then the page is served from nginx's first level

  Rule: A page is stored under its own address only, so that no client can fill the cache

    Scenario Outline: Another spelling of a page's address is served, and not stored (<kind>)
      When a reader visits "<uri>"
      Then the reader gets a 200 page
      And memcached holds nothing for "<uri>"

      Examples:
        | kind                        | uri                      |
        | a query the page ignores    | /blog/hello-world/?utm=1 |
        | percent-encoding            | /blog/hello%2Dworld/     |
        | lower-case escape           | /blog/hello%2dworld/     |
        | empty query string          | /blog/hello-world/?      |
        | a page number past the last | /?page=99                |
        | a page number written oddly | /?page=01                |

    @slow
    Scenario: A client making up hundreds of query strings stores none of them
      Given a reader has visited "/"
      When a client asks for "/" with 300 made-up query strings
      Then every answer is the page the first reader got
      And memcached holds none of those pages, its tag lists unchanged

  Rule: A stored page expires by itself

    Scenario: A stored page lives at most five minutes
      When a reader visits "/blog/hello-world/"
      Then the stored page for "/blog/hello-world/" expires within 300 seconds

  Rule: Only a page that every reader may see is stored

    Scenario: A missing page is not stored
      When a reader visits "/blog/no-such-post/"
      Then the reader gets a 404 page
      And memcached holds nothing for "/blog/no-such-post/"

    Scenario: A draft is not stored
      Given a draft post "Unfinished thoughts" at "/blog/unfinished/"
      When a reader visits "/blog/unfinished/"
      Then the reader gets a 404 page
      And memcached holds nothing for "/blog/unfinished/"

    Scenario: A form posted to a page is not stored
      When a reader posts a form to "/"
      Then memcached holds nothing for "/"

    Scenario: A request for headers only is not stored
      When a reader asks only for the headers of "/blog/hello-world/"
      Then the reader gets a 200 page
      And memcached holds nothing for "/blog/hello-world/"

    @specimens
    Scenario Outline: A page that <breaks a rule> is served, and not stored
      When a reader visits "/specimens/<page>/"
      Then the reader gets a 200 page
      And memcached holds nothing for "/specimens/<page>/"

      Examples:
        | breaks a rule                          | page               |
        | varies on Accept-Language              | varies-on-language |
        | is marked Cache-Control: private       | private            |
        | is marked Cache-Control: no-store      | no-store           |
        | sets a cookie for an anonymous reader  | sets-a-cookie      |
        | is streamed                            | streaming          |
        | is plain text                          | plain-text         |

    @specimens
    Scenario: The same kind of page, breaking no rule, is stored
      When a reader visits "/specimens/storable/"
      Then memcached holds the page under md5 of the host and "/specimens/storable/"

  Rule: A crowd costs one render, and no reader waits for a page that will not be stored

    @slow
    Scenario: A burst of readers of a page not yet stored costs one render
      When 50 readers ask for "/blog/hello-world/" at the same moment
      Then all 50 readers get the page
      And Django rendered it at most 2 times

    Scenario Outline: A crowd at a page that is never stored does not queue (<page>)
      When 30 readers ask for "<uri>" at the same moment
      Then every reader gets a <status> page within a second

      Examples:
        | page           | uri                 | status |
        | the login page | /login/             | 200    |
        | a missing page | /blog/no-such-post/ | 404    |
