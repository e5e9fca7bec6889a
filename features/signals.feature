@signals
Feature: The cache forgets a page the moment its content changes
  In order that no reader ever reads an outdated version of a post
  As an editor
  I want every stored page that shows a post forgotten as soon as I change, unpublish or delete it
  (nginx keeps a page it served from memcached for one more second: readers see a change within 2 s)

  Background:
    Given a published post "Hello world" at "/blog/hello-world/"

  Rule: Saving a post fills in what is derived from its body

    Scenario: Saving a post fills in its reading time
      When an editor saves "Hello world" with a body of 450 words
      Then "Hello world" has a reading time of 3 minutes in the database

  Rule: A change reaches every reader of the pages that show the post within 2 seconds

    Scenario: A new title reaches readers of the post and of the front page within 2 seconds
      Given readers have seen "/blog/hello-world/" served from memcached
      And readers have seen "/" served from memcached
      When an editor changes the title of "Hello world" to "Hello again"
      Then within 2 seconds readers of "/blog/hello-world/" see "Hello again"
      And within 2 seconds readers of "/" see "Hello again"

    Scenario: A typo fixed in a post's body reaches its readers within 2 seconds
      Given a published post "Quick fox" at "/blog/quick-fox/" with the body "Teh quick brown fox"
      And readers have seen "/blog/quick-fox/" served from memcached
      When an editor corrects the body of "Quick fox" to "The quick brown fox"
      Then within 2 seconds readers of "/blog/quick-fox/" see "The quick brown fox"

    Scenario Outline: A post taken down (<how>) gives its readers the page-not-found page within 2 seconds
      Given readers have seen "/blog/hello-world/" served from memcached
      When <taking it down>
      Then within 2 seconds readers of "/blog/hello-world/" get the site's page-not-found page

      Examples:
        | how                      | taking it down                                         |
        | deleted                  | an editor deletes "Hello world"                        |
        | unpublished              | an editor unpublishes "Hello world"                    |
        | publication time cleared | an editor clears the publication time of "Hello world" |
        | by a management command  | an operator runs "unpublish hello-world"               |

    @browser @slow
    Scenario: An edit made in the admin reaches readers within 2 seconds
      Given readers have seen "/blog/hello-world/" served from memcached
      And the editor "Erin" exists with password "a-long-secret"
      When Erin changes the title of "Hello world" to "Hello from the admin" in the admin
      Then within 2 seconds readers of "/blog/hello-world/" see "Hello from the admin"

  Rule: A render under way when a post changes never leaves the old page stored

    Scenario Outline: A page being rendered when its post gets a new title shows the new title within 2 seconds (<uri>)
      Given a reader's render of "<uri>" has read "Hello world" and is paused
      When an editor changes the title of "Hello world" to "Hello again"
      And the paused render finishes
      Then within 2 seconds readers of "<uri>" see "Hello again"

      Examples:
        | uri                |
        | /blog/hello-world/ |
        | /                  |

    Scenario Outline: A post being rendered when it is taken down (<how>) is gone for readers within 2 seconds
      Given a reader's render of "/blog/hello-world/" has read "Hello world" and is paused
      When <taking it down>
      And the paused render finishes
      Then within 2 seconds readers of "/blog/hello-world/" get the site's page-not-found page

      Examples:
        | how         | taking it down                  |
        | deleted     | an editor deletes "Hello world" |
        | unpublished | an editor unpublishes "Hello world" |

  Rule: An edit is never lost: it reaches readers once memcached answers again, and so does the next

    Scenario: An edit saved while memcached stalls reaches readers once it answers, and so does the next
      Given readers have seen "/blog/hello-world/" served from memcached
      When memcached stops answering for 1 second while an editor changes the title of "Hello world" to "Hello again"
      Then within 2 seconds of memcached answering again readers of "/blog/hello-world/" see "Hello again"
      When an editor changes the title of "Hello again" to "Hello a third time"
      Then within 2 seconds readers of "/blog/hello-world/" see "Hello a third time"

    Scenario: An edit saved while the purger is stopped reaches readers once it is back
      Given readers have seen "/blog/hello-world/" served from memcached
      And the purger is stopped
      When an editor changes the title of "Hello world" to "Hello again"
      And the purger is back
      Then within 2 seconds readers of "/blog/hello-world/" see "Hello again"

    Scenario: A page rendered while a purge is under way is forgotten by the next edit
      Given readers have seen "/blog/hello-world/" served from memcached
      And the next purge pauses once it has read which pages to forget
      When an editor changes the title of "Hello world" to "Hello again"
      And a reader visits "/blog/hello-world/" on host "127.0.0.1" while that purge is paused
      And the paused purge finishes
      And an editor changes the title of "Hello again" to "Hello a third time"
      Then within 2 seconds readers of "/blog/hello-world/" on host "127.0.0.1" see "Hello a third time"

  Rule: Whatever a page shows, a change to it reaches readers within 2 seconds, whoever makes it

    Scenario: An author's new name reaches the byline on the front page and on their posts
      Given readers have seen "/" served from memcached
      And readers have seen "/blog/hello-world/" served from memcached
      When the author of "Hello world" is renamed "Erin Editrix"
      Then within 2 seconds readers of "/" see "Erin Editrix"
      And within 2 seconds readers of "/blog/hello-world/" see "Erin Editrix"

    Scenario: A change made with one SQL statement, outside the site's code, reaches readers
      Given readers have seen "/blog/hello-world/" served from memcached
      When an operator changes the title of "Hello world" to "Hello again" with one SQL statement
      Then within 2 seconds readers of "/blog/hello-world/" see "Hello again"

    Scenario: A post scheduled for later appears on the front page at its time
      Given a post "Tomorrow's news" at "/blog/tomorrow/" scheduled to appear in 2 seconds
      And readers have seen "/" served from memcached
      Then the reader does not see "Tomorrow's news"
      And within 2 seconds of its time readers of "/" see "Tomorrow's news"
